using System.Security.Cryptography;
using Soups.Checkpoints;
using Soups.FileSystem;

namespace Soups.Evaluation;

/// <summary>What identifies a checkpoint's content: the SHA-256 of its file, or for several files (an index and its shards) of all of them.</summary>
public static class ContentHash
{
    /// <summary>
    /// Hashes <paramref name="checkpoint"/>'s files. A single file's hash recorded in <paramref name="cache"/> for the
    /// same path, size and modification time is reused instead of reading the file again, and so is one remembered
    /// by <see cref="HashCache"/> for the unchanged file.
    /// </summary>
    public static (string Sha256, long Size, long ModifiedUnixMs) Of(ICheckpointReader checkpoint, EvaluationCache cache)
    {
        var files = checkpoint.Files;
        var full = Path.GetFullPath(files[0]);
        var info = new FileInfo(full);
        var modified = new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeMilliseconds();
        if (files.Count == 1) return (cache.KnownHash(full, info.Length, modified) ?? HashCache.Sha256(full), info.Length, modified);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files) hash.AppendData(Convert.FromHexString(HashCache.Sha256(file)));
        return (Convert.ToHexStringLower(hash.GetHashAndReset()), info.Length, modified);
    }
}
