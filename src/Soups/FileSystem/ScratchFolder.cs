using System.Collections.Concurrent;

namespace Soups.FileSystem;

/// <summary>
/// A private folder for a run's intermediate files (e.g. each ingredient's Fisher information), under
/// <c>$TMPDIR</c> (or <c>/tmp</c>): removed with everything in it on <see cref="Dispose"/>, on SIGINT/SIGTERM (through
/// <see cref="AtomicFile.AbortAll"/>), and — when a run was killed outright — by the next run that makes one. A
/// folder is in use while its owner holds the lock of the <see cref="LockName"/> file inside it; another run removes
/// only folders whose lock it can take, so a live run in another PID namespace that shares <c>$TMPDIR</c> keeps its own.
/// Files inside get names the tool makes (<see cref="File"/> refuses anything but a plain name), so nothing is ever
/// written outside the folder.
/// </summary>
public sealed class ScratchFolder : IDisposable
{
    /// <summary>The file whose lock marks the folder as in use.</summary>
    public const string LockName = ".soup-scratch.lock";

    private const string Prefix = "soup-scratch-";

    // A folder without its lock file was made by a run killed in the instant before it locked it (or by an older
    // version of soup, which used no locks): removed once it has been left alone this long.
    private static readonly TimeSpan Abandoned = TimeSpan.FromMinutes(10);

    private static readonly ConcurrentDictionary<ScratchFolder, byte> Open = new();
    private readonly FileLock? _lock;

    private ScratchFolder(string path, FileLock? held)
    {
        Path = path;
        _lock = held;
        Open[this] = 0;
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>Makes a fresh folder (and removes those no live run holds).</summary>
    public static ScratchFolder Create() => Create(System.IO.Path.GetTempPath());

    /// <summary>Makes a fresh folder under <paramref name="root"/>.</summary>
    public static ScratchFolder Create(string root)
    {
        RemoveStale(root);
        while (true)
        {
            var path = System.IO.Path.Combine(root, $"{Prefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
            var lockPath = System.IO.Path.Combine(path, LockName);
            FileLock? held;
            try
            {
                Directory.CreateDirectory(path);
                held = FileLock.CreateHeld(lockPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new OutputException(path, OutputProblem.CannotCreate, $"cannot make a scratch folder ({e.Message}); set TMPDIR to a writable folder", e);
            }
            // Another run's sweep may have removed the folder in the instant before it was locked: then make another.
            if (held is null || held.StillAt(lockPath)) return new ScratchFolder(path, held);
            held.Dispose();
        }
    }

    /// <summary>The path of the file <paramref name="name"/> inside the folder: a plain name the caller made, never one read from a file.</summary>
    public string File(string name)
    {
        if (name.Length == 0 || name is "." or ".." || name == LockName || name.IndexOfAny(['/', '\\', '\0']) >= 0)
            throw new ArgumentException($"'{name}' is not a plain file name", nameof(name));
        return System.IO.Path.Combine(Path, name);
    }

    /// <summary>
    /// Writes the file <paramref name="name"/> with <paramref name="write"/>, after checking that
    /// <paramref name="bytes"/> fit; a full disk is one clear error naming the file, and the partial file is removed.
    /// </summary>
    public string Write(string name, long bytes, Action<Stream> write)
    {
        var path = File(name);
        FileSystemSpace.Require(Path, bytes, $"scratch file {path} (set TMPDIR to a folder with more room)");
        try
        {
            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
            write(stream);
        }
        catch (IOException e)
        {
            TryDelete(path);
            throw new OutputException(path, OutputProblem.WriteFailed,
                $"cannot write this scratch file ({e.Message}); set TMPDIR to a folder with more room; nothing was written", e);
        }
        return path;
    }

    /// <summary>Removes the folder and everything in it.</summary>
    public void Dispose()
    {
        Remove();
        _lock?.Dispose();
        Open.TryRemove(this, out _);
    }

    /// <summary>Removes every scratch folder still open (on SIGINT/SIGTERM).</summary>
    internal static void RemoveAll()
    {
        foreach (var folder in Open.Keys) folder.Remove();
    }

    private void Remove()
    {
        try
        {
            if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the next run removes it once this one no longer holds its lock.
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            System.IO.File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The folder goes with the run anyway.
        }
    }

    private static void RemoveStale(string root)
    {
        IEnumerable<string> folders;
        try
        {
            folders = Directory.EnumerateDirectories(root, Prefix + "*").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return; // best effort
        }
        foreach (var folder in folders)
        {
            try
            {
                if (FileIdentity.TypeOf(folder, followLinks: false) != FileType.Folder) continue; // never follow a link out
                var lockPath = System.IO.Path.Combine(folder, LockName);
                if (FileIdentity.TypeOf(lockPath, followLinks: false) == FileType.Missing)
                {
                    if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(folder) > Abandoned) Directory.Delete(folder, recursive: true);
                    continue;
                }
                using var unused = FileLock.TryTake(lockPath);
                if (unused != null) Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another user's folder, or one removed meanwhile: not this run's to judge.
            }
        }
    }
}
