using System.Diagnostics;

namespace Soups.Testing;

/// <summary>
/// A small tmpfs mounted on a fresh folder, to fill a disk for real: writes past its size fail with ENOSPC as on a
/// full disk. Mounting needs root (CAP_SYS_ADMIN); where it fails, <see cref="Unavailable"/> says why and the tests
/// that need one are skipped with that reason (<see cref="SmallFileSystemFactAttribute"/>).
/// </summary>
public sealed class SmallFileSystem : IDisposable
{
    private readonly TempFolder _folder = new();

    /// <summary>Mounts a tmpfs of <paramref name="bytes"/> (rounded up to whole pages by the kernel).</summary>
    public SmallFileSystem(long bytes)
    {
        if (Run("mount", "-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", _folder.PathName) is { } error)
        {
            _folder.Dispose();
            throw new InvalidOperationException($"cannot mount a tmpfs: {error}");
        }
    }

    /// <summary>The mounted folder.</summary>
    public string PathName => _folder.PathName;

    /// <summary>A path inside the mounted folder.</summary>
    public string File(string name) => _folder.File(name);

    /// <summary>Bytes still free for a writer.</summary>
    public long Free => new DriveInfo(PathName).AvailableFreeSpace;

    /// <summary>Fills the file system until exactly <paramref name="left"/> bytes (a multiple of the page size) stay free.</summary>
    public void FillTo(long left)
    {
        var filler = File(".filler");
        var size = Free - left;
        if (size <= 0) return;
        using var stream = new FileStream(filler, FileMode.Append);
        stream.Write(new byte[size]);
    }

    /// <summary>Why no small file system can be mounted here, or null when one can.</summary>
    public static string? Unavailable => LazyUnavailable.Value;

    private static readonly Lazy<string?> LazyUnavailable = new(() =>
    {
        if (!OperatingSystem.IsLinux()) return "tmpfs needs Linux";
        try
        {
            using var probe = new SmallFileSystem(64 * 1024);
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return $"needs root to mount a small tmpfs ({e.Message})";
        }
    });

    /// <inheritdoc />
    public void Dispose()
    {
        Run("umount", "-l", PathName);
        _folder.Dispose();
    }

    private static string? Run(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? null : error.Trim();
    }
}

/// <summary>A test that fills a real file system: skipped, with the reason, where none can be mounted.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SmallFileSystemFactAttribute : Xunit.FactAttribute
{
    public SmallFileSystemFactAttribute()
    {
        if (SmallFileSystem.Unavailable is { } reason) Skip = reason;
    }
}
