using System.Globalization;
using System.Runtime.InteropServices;

namespace Soups.FileSystem;

/// <summary>What the file system holding a folder has room for (Linux <c>statvfs</c>): free bytes and the longest name.</summary>
/// <param name="AvailableBytes">Bytes an unprivileged writer may still use.</param>
/// <param name="NameMax">The longest file name in bytes.</param>
public readonly record struct FileSystemSpace(long AvailableBytes, long NameMax)
{
    /// <summary>The space of the file system holding <paramref name="folder"/>, or null when it cannot be read.</summary>
    public static FileSystemSpace? Of(string folder)
    {
        if (!OperatingSystem.IsLinux() || !_available) return null;
        // struct statvfs on 64-bit Linux: f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree, f_favail,
        // f_fsid, f_flag, f_namemax, each 8 bytes.
        var buffer = new byte[256];
        try
        {
            if (statvfs(folder, buffer) != 0) return null;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            _available = false;
            return null;
        }
        var fragment = BitConverter.ToUInt64(buffer, 8);
        var available = BitConverter.ToUInt64(buffer, 32);
        var bytes = fragment == 0 ? long.MaxValue : (long)Math.Min(long.MaxValue, (double)available * fragment);
        return new FileSystemSpace(bytes, (long)Math.Min(int.MaxValue, BitConverter.ToUInt64(buffer, 80)));
    }

    /// <summary>
    /// Throws <see cref="OutputException"/> (<see cref="OutputProblem.NoSpace"/>) when the file system of
    /// <paramref name="folder"/> has less than <paramref name="bytes"/> free for <paramref name="what"/>; does nothing
    /// when it cannot tell.
    /// </summary>
    public static void Require(string folder, long bytes, string what)
    {
        if (Of(folder) is not { } space || space.AvailableBytes >= bytes) return;
        throw new OutputException(what, OutputProblem.NoSpace,
            $"needs {Size(bytes)} but only {Size(space.AvailableBytes)} is free in {folder}; nothing was written");
    }

    /// <summary>A byte count for people: 812 bytes, 3.4 MB, 1.21 GB.</summary>
    public static string Size(long bytes) => bytes switch
    {
        < 1000 => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
        < 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3:0.#} kB"),
        < 1_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0.#} MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:0.##} GB"),
    };

    private static bool _available = true;

    [DllImport("libc", SetLastError = true)]
    private static extern int statvfs([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);
}
