using System.Security.Cryptography;

namespace Soups.FileSystem;

/// <summary>The project's one content hash: SHA-256 of a file's bytes, as lowercase hex.</summary>
public static class FileHash
{
    /// <summary>The SHA-256 of <paramref name="path"/>'s content.</summary>
    public static string Sha256(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
