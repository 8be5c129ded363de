using System.Runtime.InteropServices;

namespace Soups.FileSystem;

/// <summary>
/// What makes two paths the same file: device and inode, after following links (issue #8: "compare files, not path
/// spellings"). A symlinked folder, a hard link or <c>a/../b</c> all resolve to one identity. Read with Linux's
/// <c>statx</c>; where that is unavailable, the fully resolved path stands in.
/// </summary>
public readonly record struct FileIdentity(ulong Device, ulong Inode, string? ResolvedPath)
{
    private const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100, AtEmptyPath = 0x1000;
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
    public static FileIdentity? Of(string path) => Stat(path, followLinks: true, out _);

    /// <summary>What <paramref name="path"/> names (links followed).</summary>
    public static Kind KindOf(string path) => TypeOf(path) switch
    {
        FileType.Missing => Kind.Missing,
        FileType.File => Kind.File,
        FileType.Folder => Kind.Folder,
        _ => Kind.Other,
    };

    /// <summary>The type of what <paramref name="path"/> names: with <paramref name="followLinks"/> false, a link is <see cref="FileType.Link"/>.</summary>
    public static FileType TypeOf(string path, bool followLinks = true)
    {
        Stat(path, followLinks, out var type);
        return type;
    }

    /// <summary>The identity of the open file <paramref name="descriptor"/>, or null when it cannot be read.</summary>
    public static FileIdentity? OfDescriptor(int descriptor) =>
        OperatingSystem.IsLinux() && Native.Available ? Statx(descriptor, "", AtEmptyPath, out _) : null;

    private static FileIdentity? Stat(string path, bool followLinks, out FileType type)
    {
        type = FileType.Missing;
        if (string.IsNullOrEmpty(path) || path.Contains('\0')) return null;
        if (OperatingSystem.IsLinux() && Native.Available)
        {
            try
            {
                return Statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, out type);
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                Native.Available = false;
            }
        }
        var link = new FileInfo(path);
        if (!followLinks && link.Exists && link.LinkTarget != null)
        {
            type = FileType.Link;
            return new FileIdentity(0, 0, Path.GetFullPath(path));
        }
        FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
        if (!info.Exists) return null;
        type = info is DirectoryInfo ? FileType.Folder : FileType.File;
        var resolved = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName;
        return new FileIdentity(0, 0, Path.GetFullPath(resolved));
    }

    private static FileIdentity? Statx(int directory, string path, int flags, out FileType type)
    {
        type = FileType.Missing;
        var buffer = new byte[256];
        if (Native.statx(directory, path, flags, StatxType | StatxIno, buffer) != 0) return null;
        type = (BitConverter.ToUInt16(buffer, 28) & 0xF000) switch
        {
            0x8000 => FileType.File,
            0x4000 => FileType.Folder,
            0xA000 => FileType.Link,
            0x1000 => FileType.Fifo,
            0xC000 => FileType.Socket,
            0x2000 => FileType.CharacterDevice,
            0x6000 => FileType.BlockDevice,
            _ => FileType.Unknown,
        };
        var inode = BitConverter.ToUInt64(buffer, 32);
        var device = ((ulong)BitConverter.ToUInt32(buffer, 136) << 32) | BitConverter.ToUInt32(buffer, 140);
        return new FileIdentity(device, inode, null);
    }

    private static class Native
    {
        public static bool Available = true;

        [DllImport("libc", SetLastError = true)]
        public static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
    }
}
