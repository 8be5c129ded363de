using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Soups.Checkpoints.TorchZip;

/// <summary>
/// The central directory of a zip archive (zip64 included), read without loading any entry. torch.save stores each
/// record uncompressed, so an entry's bytes can be read in place at <see cref="ZipEntry.DataOffset"/>.
/// </summary>
internal sealed class ZipDirectory
{
    private const uint EndOfCentralDirectory = 0x06054b50;
    private const uint Zip64Locator = 0x07064b50;
    private const uint Zip64End = 0x06064b50;
    private const uint CentralHeader = 0x02014b50;
    private const uint LocalHeader = 0x04034b50;

    private ZipDirectory(Dictionary<string, ZipEntry> entries) => Entries = entries;

    /// <summary>Entries by name.</summary>
    public IReadOnlyDictionary<string, ZipEntry> Entries { get; }

    /// <summary>Reads the directory; throws <see cref="CheckpointFormatException"/> on a damaged archive.</summary>
    public static ZipDirectory Read(SafeFileHandle file, string path)
    {
        try
        {
            return ReadCore(file, path);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or OverflowException)
        {
            throw new CheckpointFormatException(path, "damaged zip archive (truncated file?)", e);
        }
    }

    private static ZipDirectory ReadCore(SafeFileHandle file, string path)
    {
        var length = RandomAccess.GetLength(file);
        var tailLength = (int)Math.Min(length, 22 + 65535 + 20);
        var tail = new byte[tailLength];
        ReadExactly(file, tail, length - tailLength, path);
        var eocd = -1;
        for (var i = tailLength - 22; i >= 0; i--)
            if (U32(tail, i) == EndOfCentralDirectory) { eocd = i; break; }
        if (eocd < 0) throw new CheckpointFormatException(path, "not a complete zip archive (no end-of-directory record; truncated file?)");

        long count = U16(tail, eocd + 10);
        long dirSize = U32(tail, eocd + 12);
        long dirOffset = U32(tail, eocd + 16);
        if (count == 0xFFFF || dirSize == 0xFFFFFFFF || dirOffset == 0xFFFFFFFF)
        {
            var locator = eocd - 20;
            if (locator < 0 || U32(tail, locator) != Zip64Locator)
                throw new CheckpointFormatException(path, "zip64 archive without a zip64 locator");
            var zip64At = Bounded(U64(tail, locator + 8), length - 56, path, "zip64 end record");
            var record = new byte[56];
            ReadExactly(file, record, zip64At, path);
            if (U32(record, 0) != Zip64End) throw new CheckpointFormatException(path, "damaged zip64 end record");
            count = Bounded(U64(record, 32), length, path, "entry count");
            dirSize = Bounded(U64(record, 40), length, path, "directory size");
            dirOffset = Bounded(U64(record, 48), length, path, "directory offset");
        }
        if (dirOffset + dirSize > length) throw new CheckpointFormatException(path, "zip directory lies past the end of the file (truncated?)");
        if (count * 46 > dirSize) throw new CheckpointFormatException(path, "damaged zip directory (more entries than it can hold)");

        var dir = new byte[dirSize];
        ReadExactly(file, dir, dirOffset, path);
        var entries = new Dictionary<string, ZipEntry>(StringComparer.Ordinal);
        var extents = new List<(long Header, long End, string Name)>();
        var at = 0;
        var local = new byte[30];
        for (long n = 0; n < count; n++)
        {
            if (at + 46 > dir.Length || U32(dir, at) != CentralHeader) throw new CheckpointFormatException(path, "damaged zip directory");
            int method = U16(dir, at + 10);
            long compressed = U32(dir, at + 20);
            long size = U32(dir, at + 24);
            int nameLength = U16(dir, at + 28), extraLength = U16(dir, at + 30), commentLength = U16(dir, at + 32);
            long headerOffset = U32(dir, at + 42);
            if (at + 46 + nameLength + extraLength + commentLength > dir.Length) throw new CheckpointFormatException(path, "damaged zip directory");
            var name = Encoding.UTF8.GetString(dir, at + 46, nameLength);
            // Zip64 extra field: present values replace the 0xFFFFFFFF placeholders, in this order.
            for (int e = at + 46 + nameLength, end = e + extraLength; e + 4 <= end;)
            {
                int id = U16(dir, e), dataLength = U16(dir, e + 2);
                if (id == 0x0001)
                {
                    var p = e + 4;
                    var fieldEnd = Math.Min(end, e + 4 + dataLength);
                    if (size == 0xFFFFFFFF && p + 8 <= fieldEnd) { size = Bounded(U64(dir, p), long.MaxValue, path, $"size of '{name}'"); p += 8; }
                    if (compressed == 0xFFFFFFFF && p + 8 <= fieldEnd) { compressed = Bounded(U64(dir, p), length, path, $"size of '{name}'"); p += 8; }
                    if (headerOffset == 0xFFFFFFFF && p + 8 <= fieldEnd) headerOffset = Bounded(U64(dir, p), length, path, $"offset of '{name}'");
                }
                e += 4 + dataLength;
            }
            if (headerOffset + 30 > length) throw new CheckpointFormatException(path, $"zip entry '{name}' lies past the end of the file (truncated?)");
            ReadExactly(file, local, headerOffset, path);
            if (U32(local, 0) != LocalHeader) throw new CheckpointFormatException(path, $"damaged zip entry '{name}'");
            var dataOffset = headerOffset + 30 + U16(local, 26) + U16(local, 28);
            if (dataOffset + compressed > length)
                throw new CheckpointFormatException(path, $"zip entry '{name}' lies past the end of the file (truncated?)");
            if (method == 0 && compressed != size)
                throw new CheckpointFormatException(path, $"zip entry '{name}' is stored with {compressed} bytes but records a size of {size} (corrupt file)");
            if (!entries.TryAdd(name, new ZipEntry(name, method, dataOffset, compressed, size)))
                throw new CheckpointFormatException(path, $"zip entry '{name}' appears twice");
            extents.Add((headerOffset, dataOffset + compressed, name));
            at += 46 + nameLength + extraLength + commentLength;
        }
        // Entries may not overlap one another or the directory: a record whose recorded size runs into the next one
        // would hand out another entry's bytes (or the directory's) as weights.
        extents.Sort((a, b) => a.Header.CompareTo(b.Header));
        for (var i = 0; i < extents.Count; i++)
        {
            var limit = i + 1 < extents.Count ? extents[i + 1].Header : dirOffset;
            if (extents[i].End > limit)
                throw new CheckpointFormatException(path, $"zip entry '{extents[i].Name}' runs into the next record (its recorded size is wrong; corrupt file)");
        }
        return new ZipDirectory(entries);
    }

    private static long Bounded(ulong value, long max, string path, string what) =>
        value <= (ulong)Math.Max(0, max) ? (long)value : throw new CheckpointFormatException(path, $"zip64 {what} out of range (corrupt file)");

    /// <summary>Reads a whole (small) entry such as <c>data.pkl</c>, inflating it if it was deflated.</summary>
    public static byte[] ReadEntry(SafeFileHandle file, ZipEntry entry, string path)
    {
        if (entry.CompressedSize > int.MaxValue || entry.Size > int.MaxValue)
            throw new CheckpointFormatException(path, $"zip entry '{entry.Name}' is too large to be a pickle");
        var raw = new byte[entry.CompressedSize];
        ReadExactly(file, raw, entry.DataOffset, path);
        if (entry.Method == 0) return raw;
        if (entry.Method != 8) throw new CheckpointFormatException(path, $"zip entry '{entry.Name}' uses unsupported compression method {entry.Method}");
        // Deflate expands at most 1032:1; a larger recorded size is a lie that would allocate for nothing.
        if (entry.Size > entry.CompressedSize * 1032 + 1024)
            throw new CheckpointFormatException(path, $"zip entry '{entry.Name}' records an impossible size (corrupt file)");
        try
        {
            using var inflate = new System.IO.Compression.DeflateStream(new MemoryStream(raw), System.IO.Compression.CompressionMode.Decompress);
            var result = new byte[entry.Size];
            inflate.ReadExactly(result);
            return result;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new CheckpointFormatException(path, $"zip entry '{entry.Name}' does not inflate (corrupt file)", e);
        }
    }

    private static void ReadExactly(SafeFileHandle file, Span<byte> buffer, long offset, string path)
    {
        var done = 0;
        while (done < buffer.Length)
        {
            var n = RandomAccess.Read(file, buffer[done..], offset + done);
            if (n == 0) throw new CheckpointFormatException(path, "unexpected end of file (truncated?)");
            done += n;
        }
    }

    private static ushort U16(byte[] b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at));
    private static uint U32(byte[] b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at));
    private static ulong U64(byte[] b, int at) => BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(at));
}

/// <summary>One zip entry: where its (stored) bytes start and how long they are.</summary>
internal sealed record ZipEntry(string Name, int Method, long DataOffset, long CompressedSize, long Size);
