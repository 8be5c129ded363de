using System.Collections.Concurrent;

namespace Soups.FileSystem;

/// <summary>
/// A private folder for a run's intermediate files (e.g. each ingredient's Fisher information), under
/// <c>$TMPDIR</c> (or <c>/tmp</c>): removed with everything in it on <see cref="Dispose"/>, on SIGINT/SIGTERM (through
/// <see cref="AtomicFile.AbortAll"/>), and — when a run was killed outright — by the next run that makes one.
/// </summary>
public sealed class ScratchFolder : IDisposable
{
    private const string Prefix = "soup-scratch-";
    private static readonly ConcurrentDictionary<ScratchFolder, byte> Open = new();

    private ScratchFolder(string path)
    {
        Path = path;
        Open[this] = 0;
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>Makes a fresh folder (and removes those of runs that no longer exist).</summary>
    public static ScratchFolder Create()
    {
        var root = System.IO.Path.GetTempPath();
        RemoveStale(root);
        var path = System.IO.Path.Combine(root, $"{Prefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException(path, OutputProblem.CannotCreate, $"cannot make a scratch folder ({e.Message}); set TMPDIR to a writable folder", e);
        }
        return new ScratchFolder(path);
    }

    /// <summary>A path inside the folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Removes the folder and everything in it.</summary>
    public void Dispose()
    {
        Remove();
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
            // Best effort: the next run removes it once this process is gone.
        }
    }

    private static void RemoveStale(string root)
    {
        try
        {
            foreach (var folder in Directory.EnumerateDirectories(root, Prefix + "*"))
            {
                var name = System.IO.Path.GetFileName(folder)[Prefix.Length..];
                var dash = name.IndexOf('-');
                if (dash <= 0 || !int.TryParse(name[..dash], out var pid) || pid == Environment.ProcessId) continue;
                if (OperatingSystem.IsLinux() && Directory.Exists($"/proc/{pid}")) continue;
                if (!OperatingSystem.IsLinux()) continue;
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort.
        }
    }
}
