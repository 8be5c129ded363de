using System.Runtime.InteropServices;

namespace Soups.FileSystem;

/// <summary>
/// What makes two paths the same file: device and inode, after following links (issue #8: "compare files, not path
/// spellings"). A symlinked folder, a hard link or <c>a/../b</c> all resolve to one identity. Read with Linux's
/// <c>statx</c>; where that is unavailable, the fully resolved path stands in.
/// </summary>
public readonly record struct FileIdentity(ulong Device, ulong Inode, string? ResolvedPath)
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1, StatxIno = 0x100;

    /// <summary>The kind of thing a path names.</summary>
    public enum Kind
    {
        /// <summary>Nothing exists there.</summary>
        Missing,

        /// <summary>A regular file.</summary>
        File,

        /// <summary>A folder.</summary>
        Folder,

        /// <summary>A FIFO, socket or device: reading it could block forever.</summary>
        Other,
    }

    /// <summary>The identity of the file <paramref name="path"/> names, or null when nothing is there.</summary>
    public static FileIdentity? Of(string path) => Stat(path, out _);

    /// <summary>What <paramref name="path"/> names (links followed).</summary>
    public static Kind KindOf(string path)
    {
        if (Stat(path, out var kind) is null) return Kind.Missing;
        return kind;
    }

    private static FileIdentity? Stat(string path, out Kind kind)
    {
        kind = Kind.Missing;
        if (string.IsNullOrEmpty(path)) return null;
        if (OperatingSystem.IsLinux() && Native.Available)
        {
            var buffer = new byte[256];
            int result;
            try
            {
                result = Native.statx(AtFdCwd, path, 0, StatxType | StatxIno, buffer);
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                Native.Available = false;
                return Stat(path, out kind);
            }
            if (result != 0) return null;
            var mode = BitConverter.ToUInt16(buffer, 28) & 0xF000;
            kind = mode switch { 0x8000 => Kind.File, 0x4000 => Kind.Folder, _ => Kind.Other };
            var inode = BitConverter.ToUInt64(buffer, 32);
            var device = ((ulong)BitConverter.ToUInt32(buffer, 136) << 32) | BitConverter.ToUInt32(buffer, 140);
            return new FileIdentity(device, inode, null);
        }
        FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
        if (!info.Exists) return null;
        kind = info is DirectoryInfo ? Kind.Folder : Kind.File;
        var resolved = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName;
        return new FileIdentity(0, 0, Path.GetFullPath(resolved));
    }

    private static class Native
    {
        public static bool Available = true;

        [DllImport("libc", SetLastError = true)]
        public static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
    }
}
