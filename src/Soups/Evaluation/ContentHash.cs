using System.Security.Cryptography;
using Soups.Checkpoints;
using Soups.FileSystem;

namespace Soups.Evaluation;

/// <summary>What identifies a checkpoint's content: the SHA-256 of its file, or for several files (an index and its shards) of all of them.</summary>
public static class ContentHash
{
    /// <summary>
    /// Hashes <paramref name="checkpoint"/>'s files. A single file's hash recorded in <paramref name="cache"/> for the
    /// same path and the same <see cref="FileStamp"/> (device, inode, size, modification and change times to the
    /// nanosecond) is reused instead of reading the file again, and so is one remembered by <see cref="HashCache"/>
    /// for the unchanged file. A file rewritten in place, even with its modification time set back, has a new change
    /// time, so it is hashed again. <c>Stamp</c> is the stamp the hash belongs to (null when none can be read).
    /// </summary>
    public static (string Sha256, long Size, long ModifiedUnixMs, string? Stamp) Of(ICheckpointReader checkpoint, EvaluationCache cache)
    {
        var files = checkpoint.Files;
        var full = Path.GetFullPath(files[0]);
        var stamp = FileStamp.Of(full)?.Text;
        var info = new FileInfo(full);
        var modified = new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeMilliseconds();
        if (files.Count == 1)
            return ((stamp is null ? null : cache.KnownHash(full, stamp)) ?? HashCache.Sha256(full), info.Length, modified, stamp);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files) hash.AppendData(Convert.FromHexString(HashCache.Sha256(file)));
        return (Convert.ToHexStringLower(hash.GetHashAndReset()), info.Length, modified, null);
    }
}
