namespace Soups.FileSystem;

/// <summary>
/// Outputs that appear together or not at all: a soup, its report and its pictures. Each is written to its own
/// temporary file; <see cref="Publish"/> renames them all while holding the lock of each destination folder, so two
/// runs writing the same outputs at once leave one run's files, never one run's soup beside the other's report.
/// Until then nothing is visible at the destinations, and a failure on any file (a full disk while writing the
/// report) publishes none of them.
/// </summary>
public sealed class OutputSet : IDisposable
{
    private readonly List<AtomicFile> _files = [];

    /// <summary>Starts the output <paramref name="path"/> (see <see cref="AtomicFile.Create"/>); it is published with the others.</summary>
    public AtomicFile Create(string path, bool overwrite)
    {
        var file = AtomicFile.Create(path, overwrite);
        _files.Add(file);
        return file;
    }

    /// <summary>Adds a whole file of <paramref name="bytes"/>.</summary>
    public void Add(string path, bool overwrite, byte[] bytes)
    {
        var file = Create(path, overwrite);
        file.Run(stream => stream.Write(bytes));
        file.Seal();
    }

    /// <summary>Adds a whole text file (UTF-8).</summary>
    public void Add(string path, bool overwrite, string text) => Add(path, overwrite, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Flushes every file to disk, then moves them all into place under their folders' locks.</summary>
    public void Publish()
    {
        foreach (var file in _files) file.Seal();
        var folders = _files.Select(f => Path.GetDirectoryName(f.Path)!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var locks = new List<FileLock?>();
        var published = 0;
        try
        {
            // Taken in one order by every run, so two runs never wait for each other's second folder.
            foreach (var folder in folders) locks.Add(FileLock.Take(folder));
            foreach (var file in _files) file.RequireStillWritable();
            foreach (var file in _files)
            {
                file.Publish();
                published++;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var failed = _files[published].Path;
            throw new OutputException(failed, OutputProblem.WriteFailed, $"cannot move into place ({e.Message}); " +
                (published == 0 ? "nothing was written" : $"written before it: {string.Join(", ", _files.Take(published).Select(f => f.Path))}"), e);
        }
        finally
        {
            foreach (var held in locks) held?.Dispose();
        }
    }

    /// <summary>Removes every temporary file not published.</summary>
    public void Dispose()
    {
        foreach (var file in _files) file.Dispose();
    }
}
