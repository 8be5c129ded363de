using System.Security.Cryptography;
using Soups.FileSystem;

namespace Soups.Tests.FileSystem;

public class HashingStreamTests
{
    [Fact]
    public void Front_to_back_writes_give_the_sha256_of_the_bytes()
    {
        var data = new byte[3_000_001];
        new Random(3).NextBytes(data);
        using var inner = new MemoryStream();
        using var hashing = new HashingStream(inner);
        hashing.Write(data, 0, 10);
        hashing.Write(data.AsSpan(10, 1_000_000));
        hashing.WriteByte(data[1_000_010]);
        hashing.Write(data.AsSpan(1_000_011));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), hashing.Sha256);
        Assert.Equal(data, inner.ToArray());
    }

    [Fact]
    public void A_write_that_goes_back_makes_the_hash_unknown_but_still_writes()
    {
        using var inner = new MemoryStream();
        using var hashing = new HashingStream(inner);
        hashing.Write([1, 2, 3, 4]);
        hashing.Position = 1;
        hashing.Write([9]);
        hashing.Position = 4;
        hashing.Write([5]);
        Assert.Null(hashing.Sha256);
        Assert.Equal(new byte[] { 1, 9, 3, 4, 5 }, inner.ToArray());
    }
}
