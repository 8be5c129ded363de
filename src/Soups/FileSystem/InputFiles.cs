namespace Soups.FileSystem;

/// <summary>Checks on paths the tool reads, done before anything is opened.</summary>
public static class InputFiles
{
    /// <summary>
    /// Throws unless <paramref name="path"/> is a regular file or a folder: a FIFO, socket or device given as a
    /// checkpoint or split would block the reader forever (issue #8).
    /// </summary>
    public static void RequireReadable(string path)
    {
        switch (FileIdentity.KindOf(path))
        {
            case FileIdentity.Kind.Missing:
                throw new InputException(path, "no such file");
            case FileIdentity.Kind.Other:
                throw new InputException(path, "not a regular file or folder (a FIFO, socket or device cannot be read as input)");
        }
    }
}
