namespace Soups.Checkpoints;

/// <summary>
/// An output written to a temporary file beside its destination and renamed over it only on <see cref="Commit"/>,
/// so a failure or a kill never leaves a half-written checkpoint (issue #2).
/// </summary>
public sealed class AtomicFile : IDisposable
{
    private readonly FileStream _stream;
    private readonly bool _overwrite;
    private bool _committed;

    private AtomicFile(string path, bool overwrite)
    {
        Path = System.IO.Path.GetFullPath(path);
        _overwrite = overwrite;
        var folder = System.IO.Path.GetDirectoryName(Path)!;
        TempPath = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(Path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        _stream = new FileStream(TempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20);
    }

    /// <summary>The destination.</summary>
    public string Path { get; }

    /// <summary>Where the data goes until it is committed.</summary>
    public string TempPath { get; }

    /// <summary>The stream to write (seekable).</summary>
    public Stream Stream => _stream;

    /// <summary>Creates the temporary file; refuses an existing destination unless <paramref name="overwrite"/>.</summary>
    public static AtomicFile Create(string path, bool overwrite)
    {
        if (!overwrite && File.Exists(path))
            throw new SoupException($"{path}: already exists (use --force to overwrite)");
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        if (!Directory.Exists(folder)) throw new SoupException($"{path}: folder {folder} does not exist");
        try
        {
            return new AtomicFile(path, overwrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SoupException($"{path}: cannot write ({e.Message})", SoupException.BadInput, e);
        }
    }

    /// <summary>Flushes to disk and moves the file into place.</summary>
    public void Commit()
    {
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        if (!_overwrite && File.Exists(Path))
            throw new SoupException($"{Path}: appeared while writing (use --force to overwrite)");
        File.Move(TempPath, Path, _overwrite);
        _committed = true;
    }

    /// <summary>Deletes the temporary file unless committed.</summary>
    public void Dispose()
    {
        _stream.Dispose();
        if (!_committed && File.Exists(TempPath)) File.Delete(TempPath);
    }
}
