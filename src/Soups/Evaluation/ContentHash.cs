using System.Security.Cryptography;
using System.Text.Json;

namespace Soups.Evaluation;

/// <summary>The SHA-256 of a checkpoint's content; for a sharded checkpoint, of its index and every shard.</summary>
public static class ContentHash
{
    /// <summary>Hashes <paramref name="path"/>, reusing a hash the cache recorded for the same unchanged file.</summary>
    public static (string Sha256, long Size, long ModifiedUnixMs) Of(string path, EvaluationCache cache)
    {
        var full = Path.GetFullPath(path);
        var info = new FileInfo(full);
        var modified = new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeMilliseconds();
        var known = cache.KnownHash(full, info.Length, modified);
        return (known ?? Compute(full), info.Length, modified);
    }

    private static string Compute(string path)
    {
        if (!path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return Souping.SoupBaker.Sha256Of(path);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(File.ReadAllBytes(path));
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var folder = Path.GetDirectoryName(path)!;
            foreach (var shard in doc.RootElement.GetProperty("weight_map").EnumerateObject()
                         .Select(p => p.Value.GetString() ?? "").Distinct().Order(StringComparer.Ordinal))
                hash.AppendData(Convert.FromHexString(Souping.SoupBaker.Sha256Of(Path.Combine(folder, shard))));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or IOException)
        {
            // Not an index after all: the file's own bytes identify it.
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
