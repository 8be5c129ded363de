using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace Soups.FileSystem;

/// <summary>
/// An output written to a temporary file beside its destination and renamed over it only on <see cref="Commit"/>,
/// so a failure or a kill never leaves a half-written file (issue #2). The temporary file is removed on every failure;
/// <see cref="AbortAll"/> removes every open one (the CLI calls it on SIGINT/SIGTERM); and one left by a process that
/// was killed outright (SIGKILL) — no live process holds its lock — is removed by the next run that writes the same
/// destination. The destination is the path as the kernel resolves it (<see cref="OutputPath"/>), and only ever a
/// regular file.
/// </summary>
public sealed partial class AtomicFile : IDisposable
{
    private static readonly ConcurrentDictionary<AtomicFile, byte> Open = new();
    private FileStream _stream;
    private readonly bool _overwrite;
    private readonly Lock _gate = new();
    private bool _committed;
    private bool _aborted;

    private AtomicFile(string path, bool overwrite)
    {
        Path = path;
        _overwrite = overwrite;
        var folder = System.IO.Path.GetDirectoryName(Path)!;
        RemoveStale(folder, System.IO.Path.GetFileName(Path));
        // The temporary file is locked from its first moment to its rename: that lock, not a process id, tells a later
        // run that it is in use. A stale-file sweep by another run may remove it in the instant before it is locked;
        // then it is made again under a new name.
        while (true)
        {
            TempPath = System.IO.Path.Combine(folder, $".{TempStem(System.IO.Path.GetFileName(Path))}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            _stream = new FileStream(TempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, 1 << 20);
            if (FileLock.TryShare(_stream.SafeFileHandle) && FileLock.Names(_stream.SafeFileHandle, TempPath)) break;
            _stream.Dispose();
        }
        Open[this] = 0;
    }

    /// <summary>The destination.</summary>
    public string Path { get; }

    /// <summary>Where the data goes until it is committed (readable by path once <see cref="Seal"/>ed).</summary>
    public string TempPath { get; private set; }

    /// <summary>The stream to write (seekable).</summary>
    public Stream Stream => _stream;

    /// <summary>Creates the temporary file; refuses an existing destination unless <paramref name="overwrite"/>.</summary>
    public static AtomicFile Create(string path, bool overwrite)
    {
        var resolved = RequireWritable(path, overwrite);
        try
        {
            return new AtomicFile(resolved, overwrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException(path, OutputProblem.CannotCreate, $"cannot write ({e.Message})", e);
        }
    }

    /// <summary>
    /// Throws unless <paramref name="path"/> can be written, and returns where it really goes (<see cref="OutputPath"/>):
    /// its folder must exist, and what is there must be nothing, or (with <paramref name="overwrite"/>) a regular
    /// file or a link to one — the link is replaced by the new file, never written through. A folder, a FIFO, a
    /// socket, a device, or a link to any of those is refused.
    /// </summary>
    public static string RequireWritable(string path, bool overwrite)
    {
        var resolved = OutputPath.Resolve(path);
        var type = FileIdentity.TypeOf(resolved, followLinks: false);
        var link = type == FileType.Link;
        if (link) type = FileIdentity.TypeOf(resolved) is var target && target == FileType.Missing ? FileType.File : target;
        var via = link ? "a link to " : "";
        switch (type)
        {
            case FileType.Missing:
                return resolved;
            case FileType.File:
                if (!overwrite) throw new OutputException(path, OutputProblem.Exists, link ? "already exists (a link)" : "already exists");
                return resolved;
            case FileType.Folder:
                throw new OutputException(path, OutputProblem.IsFolder, link ? "is a link to a folder" : "is a folder");
            default:
                throw new OutputException(path, OutputProblem.NotARegularFile,
                    $"is {via}{Describe(type)}, not a regular file; soup writes only regular files and leaves it as it is");
        }
    }

    private static string Describe(FileType type) => type switch
    {
        FileType.Fifo => "a FIFO",
        FileType.Socket => "a socket",
        FileType.CharacterDevice => "a character device",
        FileType.BlockDevice => "a block device",
        _ => "a special file",
    };

    /// <summary>Writes a whole file atomically.</summary>
    public static void WriteAll(string path, bool overwrite, byte[] bytes)
    {
        using var file = Create(path, overwrite);
        file.Run(stream => stream.Write(bytes));
        file.Commit();
    }

    /// <summary>Writes a whole text file (UTF-8) atomically.</summary>
    public static void WriteAll(string path, bool overwrite, string text) => WriteAll(path, overwrite, Encoding.UTF8.GetBytes(text));

    /// <summary>Runs <paramref name="write"/> on the stream, turning a failed write (disk full) into one clear error.</summary>
    public void Run(Action<Stream> write)
    {
        try
        {
            write(_stream);
        }
        catch (IOException e)
        {
            var reason = e.Message.Replace($" : '{TempPath}'", "", StringComparison.Ordinal).Replace(TempPath, "the temporary file", StringComparison.Ordinal);
            throw new OutputException(Path, OutputProblem.WriteFailed, $"cannot write ({reason}); nothing was written", e);
        }
    }

    /// <summary>
    /// Starts writing what was written so far to disk, without waiting (Linux <c>sync_file_range</c>), so that the
    /// fsync of <see cref="Commit"/> finds less to do; elsewhere, or when the call fails, nothing happens.
    /// </summary>
    public void StartWriteback()
    {
        if (!OperatingSystem.IsLinux() || _writebackUnavailable) return;
        Run(stream => stream.Flush());
        var end = _stream.Length;
        if (end - _writebackFrom < (4 << 20)) return;
        try
        {
            var fd = (int)_stream.SafeFileHandle.DangerousGetHandle();
            if (SyncFileRange(fd, _writebackFrom, end - _writebackFrom, SyncFileRangeWrite) == 0) _writebackFrom = end;
            else _writebackUnavailable = true;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            _writebackUnavailable = true;
        }
    }

    private const uint SyncFileRangeWrite = 2;
    private long _writebackFrom;
    private bool _writebackUnavailable;

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(int fd, long offset, long count, uint flags);

    /// <summary>Flushes to disk and moves the file into place (see <see cref="OutputSet"/> for several files at once).</summary>
    public void Commit()
    {
        Seal();
        using var folder = FileLock.Take(System.IO.Path.GetDirectoryName(Path)!);
        RequireStillWritable();
        Publish();
    }

    /// <summary>Checks the destination again just before publishing: a file or a FIFO may have appeared while the work ran.</summary>
    internal void RequireStillWritable() => RequireWritable(Path, _overwrite);

    /// <summary>
    /// Flushes everything to disk; the file stays unpublished but may be read by path (<see cref="TempPath"/>), and
    /// stays marked as in use (its lock) until it is published or discarded.
    /// </summary>
    public void Seal()
    {
        lock (_gate)
        {
            if (_aborted) throw new OperationCanceledException("the output was aborted");
            if (_sealed) return;
            Run(_ => _stream.Flush(flushToDisk: true));
            _sealed = true;
        }
    }

    private bool _sealed;

    /// <summary>
    /// Moves the sealed file into place. The caller holds the lock on the destination's folder (<see cref="FileLock.Take"/>),
    /// so that outputs published together are never interleaved with another run's.
    /// </summary>
    internal void Publish()
    {
        lock (_gate)
        {
            if (_aborted) throw new OperationCanceledException("the output was aborted");
            if (!_sealed) throw new InvalidOperationException("publish after seal");
            File.Move(TempPath, Path, _overwrite);
            _committed = true;
            _stream.Dispose();
        }
    }

    /// <summary><see cref="Commit"/>, returning the SHA-256 of what was written (see <see cref="SealHashed"/>).</summary>
    public string CommitHashed()
    {
        var sha256 = SealHashed();
        Commit();
        return sha256;
    }

    /// <summary>
    /// <see cref="Seal"/>, returning the SHA-256 of what was written: for outputs not hashed as they were written
    /// (a header written last), the bytes are hashed from the page cache on a worker thread while they are flushed
    /// to disk, so the hash costs no wall time beside the fsync (issue #12).
    /// </summary>
    public string SealHashed()
    {
        Run(stream => stream.Flush());
        var handle = _stream.SafeFileHandle;
        var length = _stream.Length;
        var hashing = Task.Run(() =>
        {
            using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
            try
            {
                for (long at = 0; at < length;)
                {
                    var n = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - at)), at);
                    if (n == 0) throw new IOException("the temporary file ended early");
                    sha.AppendData(buffer, 0, n);
                    at += n;
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
            return Convert.ToHexStringLower(sha.GetHashAndReset());
        });
        try
        {
            Run(_ => _stream.Flush(flushToDisk: true));
        }
        finally
        {
            // The handle must stay open until the hash is read (publishing closes it).
            ((IAsyncResult)hashing).AsyncWaitHandle.WaitOne();
        }
        var sha256 = hashing.GetAwaiter().GetResult();
        Seal();
        return sha256;
    }

    /// <summary>Deletes the temporary file unless committed.</summary>
    public void Dispose()
    {
        lock (_gate) Discard();
        Open.TryRemove(this, out _);
    }

    /// <summary>Removes the temporary file of every output still being written, and every scratch folder (on SIGINT/SIGTERM, before exiting).</summary>
    public static void AbortAll()
    {
        ScratchFolder.RemoveAll();
        foreach (var file in Open.Keys)
        {
            // A writer blocked in a long native call holds no lock here; the lock only orders this with Commit.
            if (!file._gate.TryEnter(TimeSpan.FromSeconds(2))) continue;
            try
            {
                file._aborted = true;
                file.Discard();
            }
            finally
            {
                file._gate.Exit();
            }
        }
    }

    private void Discard()
    {
        try
        {
            _stream.Dispose();
        }
        catch (IOException)
        {
            // A failed final flush (disk full) must not keep the temporary file from being removed.
        }
        if (!_committed && File.Exists(TempPath)) File.Delete(TempPath);
    }

    // The temporary name must itself be a legal name: shorten the destination's name so the whole fits NAME_MAX bytes.
    private static string TempStem(string name)
    {
        const int overhead = 2 + 10 + 1 + 32 + 4; // ".", ".", pid, ".", guid, ".tmp"
        var stem = name;
        while (Encoding.UTF8.GetByteCount(stem) > OutputPath.DefaultNameMax - overhead) stem = stem[..^1];
        return stem;
    }

    // Temporary files of this naming that no one holds locked were left by a run killed outright.
    private static void RemoveStale(string folder, string name)
    {
        var prefix = "." + TempStem(name) + ".";
        try
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*.tmp"))
            {
                var fileName = System.IO.Path.GetFileName(file);
                if (!fileName.StartsWith(prefix, StringComparison.Ordinal) || !TempSuffix().IsMatch(fileName[prefix.Length..])) continue;
                using var unused = FileLock.TryTake(file);
                if (unused != null) File.Delete(file);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a stale file that cannot be removed is harmless to this run.
        }
    }

    [GeneratedRegex("^[0-9]+\\.[0-9a-f]{32}\\.tmp$")]
    private static partial Regex TempSuffix();
}
