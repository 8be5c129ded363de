using System.Globalization;
using System.Runtime.InteropServices;

namespace Soups.FileSystem;

/// <summary>
/// SHA-256s of files remembered by what the file system says of them — device, inode, size, modification and change
/// times to the nanosecond — as DVC and git remember theirs, so that a sweep's checkpoints are hashed once rather
/// than by every soup made of them (issue #12: a recipe records every input's hash). Any write to a file changes its
/// change time (which no user call can set back), so a changed file is hashed again. A hash is only remembered for a
/// file last changed more than <see cref="SettledSeconds"/> before the hashing began, and unchanged while it was read:
/// a file still being written is never remembered half-way. Entries live under <c>$SOUP_CACHE_DIR/hashes</c> (default
/// <c>$XDG_CACHE_HOME/soup</c> or <c>~/.cache/soup</c>); <c>SOUP_CACHE_DIR=off</c> turns this off. The cache is best
/// effort: an entry that cannot be read or written is simply ignored.
/// </summary>
public static class HashCache
{
    /// <summary>How long a file must have been left alone before its hash is remembered.</summary>
    public const int SettledSeconds = 2;

    private const string Magic = "soup-sha256-1";

    // An entry is one line of about 130 bytes.
    private const int MaxEntryBytes = 256;

    /// <summary>The folder entries go to, or null when turned off (or no home is known).</summary>
    public static string? Folder => FolderFrom(Environment.GetEnvironmentVariable("SOUP_CACHE_DIR"),
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME"), Environment.GetEnvironmentVariable("HOME"));

    /// <summary>The folder for these environment values (tests).</summary>
    public static string? FolderFrom(string? soupCacheDir, string? xdgCacheHome, string? home)
    {
        if (soupCacheDir is { Length: > 0 })
            return string.Equals(soupCacheDir, "off", StringComparison.OrdinalIgnoreCase) ? null : Path.Combine(soupCacheDir, "hashes");
        if (xdgCacheHome is { Length: > 0 } && Path.IsPathRooted(xdgCacheHome)) return Path.Combine(xdgCacheHome, "soup", "hashes");
        return home is { Length: > 0 } ? Path.Combine(home, ".cache", "soup", "hashes") : null;
    }

    /// <summary>The SHA-256 of <paramref name="path"/>'s content: remembered when the file is unchanged, else computed (and remembered).</summary>
    public static string Sha256(string path) => Sha256(path, Folder);

    /// <summary><see cref="Sha256(string)"/> with entries in <paramref name="folder"/> (null: none).</summary>
    public static string Sha256(string path, string? folder)
    {
        var before = FileStamp.Of(path);
        if (before is { } stamp && Known(stamp, folder) is { } known) return known;
        var started = DateTimeOffset.UtcNow;
        var hash = FileHash.Sha256(path);
        if (before is { } settled && FileStamp.Of(path) == settled &&
            settled.ChangedUnixNs < (started.ToUnixTimeMilliseconds() - SettledSeconds * 1000L) * 1_000_000)
            Remember(settled, hash, folder);
        return hash;
    }

    /// <summary>The remembered hash of <paramref name="path"/> when the file is unchanged since, else null (nothing is read but the entry).</summary>
    public static string? Known(string path) => FileStamp.Of(path) is { } stamp ? Known(stamp, Folder) : null;

    // An entry is believed only when it is a small regular file of this user's (not a link, FIFO or device, which
    // could block or be endless) and names exactly the stamp of the file asked about; anything else is ignored and
    // the file hashed again. A cache folder someone else can write is not one to use (README, "Safety").
    private static string? Known(FileStamp stamp, string? folder)
    {
        if (folder is null) return null;
        try
        {
            var entry = Path.Combine(folder, stamp.EntryName);
            if (FileStamp.Of(entry, followLinks: false) is not { Size: > 0 and <= MaxEntryBytes } held || !held.OwnedByThisUser) return null;
            var bytes = new byte[MaxEntryBytes + 1];
            int length;
            using (var handle = File.OpenHandle(entry, FileMode.Open, FileAccess.Read, FileShare.Read))
                length = RandomAccess.Read(handle, bytes, 0);
            if (length > MaxEntryBytes) return null;
            var parts = System.Text.Encoding.ASCII.GetString(bytes, 0, length).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length != 5 || parts[0] != Magic || parts[4].Length != 64 || !parts[4].All(char.IsAsciiHexDigitLower)) return null;
            return parts[1] == stamp.Size.ToString(CultureInfo.InvariantCulture)
                   && parts[2] == stamp.ModifiedUnixNs.ToString(CultureInfo.InvariantCulture)
                   && parts[3] == stamp.ChangedUnixNs.ToString(CultureInfo.InvariantCulture)
                ? parts[4]
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    private static void Remember(FileStamp stamp, string hash, string? folder)
    {
        if (folder is null) return;
        var temp = Path.Combine(folder, $".{stamp.EntryName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(temp, string.Join(' ', Magic, stamp.Size.ToString(CultureInfo.InvariantCulture),
                stamp.ModifiedUnixNs.ToString(CultureInfo.InvariantCulture), stamp.ChangedUnixNs.ToString(CultureInfo.InvariantCulture), hash) + "\n");
            File.Move(temp, Path.Combine(folder, stamp.EntryName), overwrite: true); // whole or not at all
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            try
            {
                File.Delete(temp);
            }
            catch (Exception inner) when (inner is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                // Nothing more to do: the cache is best effort.
            }
        }
    }
}

/// <summary>
/// What the file system says of a file: identity, size, and modification and change times in nanoseconds (Linux
/// <c>statx</c>), and whether it belongs to the user running soup.
/// </summary>
public readonly record struct FileStamp(ulong Device, ulong Inode, long Size, long ModifiedUnixNs, long ChangedUnixNs, bool OwnedByThisUser = true)
{
    private const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
    private const uint Wanted = 0x1 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200; // type, uid, mtime, ctime, ino, size

    /// <summary>The entry's file name in the cache folder.</summary>
    public string EntryName => $"{Device:x}-{Inode:x}";

    /// <summary>The whole stamp as one word, for records that must match it exactly.</summary>
    public string Text => string.Create(CultureInfo.InvariantCulture, $"{Device:x}-{Inode:x}-{Size}-{ModifiedUnixNs}-{ChangedUnixNs}");

    /// <summary>The stamp of the regular file <paramref name="path"/> (links followed unless not <paramref name="followLinks"/>), or null when there is none or it cannot be read.</summary>
    public static FileStamp? Of(string path, bool followLinks = true)
    {
        if (!OperatingSystem.IsLinux() || !_available || string.IsNullOrEmpty(path)) return null;
        var buffer = new byte[256];
        try
        {
            if (statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, Wanted, buffer) != 0) return null;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            _available = false;
            return null;
        }
        var mask = BitConverter.ToUInt32(buffer, 0);
        if ((mask & Wanted) != Wanted || (BitConverter.ToUInt16(buffer, 28) & 0xF000) != 0x8000) return null;
        static long Nanoseconds(byte[] b, int at) => BitConverter.ToInt64(b, at) * 1_000_000_000 + BitConverter.ToUInt32(b, at + 8);
        var device = ((ulong)BitConverter.ToUInt32(buffer, 136) << 32) | BitConverter.ToUInt32(buffer, 140);
        return new FileStamp(device, BitConverter.ToUInt64(buffer, 32), BitConverter.ToInt64(buffer, 40),
            Nanoseconds(buffer, 112), Nanoseconds(buffer, 96), BitConverter.ToUInt32(buffer, 20) == geteuid());
    }

    private static bool _available = true;

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    [DllImport("libc")]
    private static extern uint geteuid();
}
