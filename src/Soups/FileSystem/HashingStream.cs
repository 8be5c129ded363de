using System.Security.Cryptography;

namespace Soups.FileSystem;

/// <summary>
/// Passes writes through to a stream it does not own and hashes them on the way (SHA-256), so that a file written
/// front to back needs no second read to be hashed (issue #12). A write that is not at the end of what was hashed so
/// far (a writer going back to patch a header, as the zip writer does) makes the hash unknown: <see cref="Sha256"/> is
/// then null and the caller hashes the file itself.
/// </summary>
public sealed class HashingStream(Stream inner) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _hashed;
    private bool _valid = true;

    /// <summary>The SHA-256 of everything written, as lowercase hex, when it was written front to back; else null.</summary>
    public string? Sha256 => _valid && _hashed == inner.Length ? Convert.ToHexStringLower(_hash.GetCurrentHash()) : null;

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_valid && inner.Position == _hashed)
        {
            _hash.AppendData(buffer);
            _hashed += buffer.Length;
        }
        else _valid = false;
        inner.Write(buffer);
    }

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override void WriteByte(byte value) => Write([value]);

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    /// <inheritdoc />
    public override void SetLength(long value)
    {
        if (value < _hashed) _valid = false;
        inner.SetLength(value);
    }

    /// <inheritdoc />
    public override void Flush() => inner.Flush();

    /// <inheritdoc />
    public override bool CanRead => inner.CanRead;

    /// <inheritdoc />
    public override bool CanSeek => inner.CanSeek;

    /// <inheritdoc />
    public override bool CanWrite => inner.CanWrite;

    /// <inheritdoc />
    public override long Length => inner.Length;

    /// <inheritdoc />
    public override long Position { get => inner.Position; set => inner.Position = value; }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) _hash.Dispose();
        base.Dispose(disposing);
    }
}
