using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Soups.Checkpoints.TorchZip;

/// <summary>
/// Writes an uncompressed zip archive the way torch.save lays it out: every record stored, its data aligned to 64
/// bytes (padding in an extra field), zip64 records where sizes or offsets pass 4 GiB.
/// </summary>
internal sealed class StoredZipWriter
{
    private const int Alignment = 64;
    private const uint Max32 = 0xFFFFFFFF;
    private readonly Stream _output;
    private readonly List<(string Name, long HeaderOffset, long Size, uint Crc)> _written = [];

    public StoredZipWriter(Stream output)
    {
        if (!output.CanSeek) throw new ArgumentException("the zip writer needs a seekable stream", nameof(output));
        _output = output;
    }

    /// <summary>
    /// Writes one record of known size and CRC-32; <paramref name="writeData"/> must write exactly those bytes. With the
    /// CRC known up front the archive is written front to back, never going back to patch a header, so it can be hashed
    /// as it is written (issue #12).
    /// </summary>
    public void Add(string name, long size, uint crc, Action<Stream> writeData)
    {
        var headerOffset = _output.Position;
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var zip64 = size >= Max32;
        var zip64Extra = zip64 ? 20 : 0;
        var fixedLength = 30 + nameBytes.Length + zip64Extra + 4;
        var padding = (int)((Alignment - (headerOffset + fixedLength) % Alignment) % Alignment);

        Span<byte> header = stackalloc byte[30];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], (ushort)(zip64 ? 45 : 20));
        BinaryPrimitives.WriteUInt32LittleEndian(header[14..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(header[18..], zip64 ? Max32 : (uint)size);
        BinaryPrimitives.WriteUInt32LittleEndian(header[22..], zip64 ? Max32 : (uint)size);
        BinaryPrimitives.WriteUInt16LittleEndian(header[26..], (ushort)nameBytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header[28..], (ushort)(zip64Extra + 4 + padding));
        _output.Write(header);
        _output.Write(nameBytes);
        if (zip64)
        {
            Span<byte> extra = stackalloc byte[20];
            BinaryPrimitives.WriteUInt16LittleEndian(extra, 0x0001);
            BinaryPrimitives.WriteUInt16LittleEndian(extra[2..], 16);
            BinaryPrimitives.WriteInt64LittleEndian(extra[4..], size);
            BinaryPrimitives.WriteInt64LittleEndian(extra[12..], size);
            _output.Write(extra);
        }
        Span<byte> pad = stackalloc byte[4 + padding];
        BinaryPrimitives.WriteUInt16LittleEndian(pad, 0x4246); // "FB", the padding id torch.save uses
        BinaryPrimitives.WriteUInt16LittleEndian(pad[2..], (ushort)padding);
        _output.Write(pad);

        var dataStart = _output.Position;
        writeData(_output);
        var written = _output.Position - dataStart;
        if (written != size) throw new InvalidOperationException($"zip record {name}: wrote {written} bytes, declared {size}");
        _written.Add((name, headerOffset, size, crc));
    }

    /// <summary>Adds a small record from memory.</summary>
    public void Add(string name, byte[] data) => Add(name, data.Length, Crc32.HashToUInt32(data), s => s.Write(data));

    /// <summary>Writes the central directory and end records.</summary>
    public void Finish()
    {
        var dirStart = _output.Position;
        foreach (var (name, headerOffset, size, crc) in _written)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            var sizeBig = size >= Max32;
            var offsetBig = headerOffset >= Max32;
            var extraLength = (sizeBig ? 16 : 0) + (offsetBig ? 8 : 0);
            var header = new byte[46 + nameBytes.Length + (extraLength > 0 ? 4 + extraLength : 0)];
            var h = header.AsSpan();
            BinaryPrimitives.WriteUInt32LittleEndian(h, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 45);
            BinaryPrimitives.WriteUInt16LittleEndian(h[6..], (ushort)(extraLength > 0 ? 45 : 20));
            BinaryPrimitives.WriteUInt32LittleEndian(h[16..], crc);
            BinaryPrimitives.WriteUInt32LittleEndian(h[20..], sizeBig ? Max32 : (uint)size);
            BinaryPrimitives.WriteUInt32LittleEndian(h[24..], sizeBig ? Max32 : (uint)size);
            BinaryPrimitives.WriteUInt16LittleEndian(h[28..], (ushort)nameBytes.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(h[30..], (ushort)(extraLength > 0 ? 4 + extraLength : 0));
            BinaryPrimitives.WriteUInt32LittleEndian(h[42..], offsetBig ? Max32 : (uint)headerOffset);
            nameBytes.CopyTo(h[46..]);
            if (extraLength > 0)
            {
                var e = h[(46 + nameBytes.Length)..];
                BinaryPrimitives.WriteUInt16LittleEndian(e, 0x0001);
                BinaryPrimitives.WriteUInt16LittleEndian(e[2..], (ushort)extraLength);
                var at = 4;
                if (sizeBig)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(e[at..], size);
                    BinaryPrimitives.WriteInt64LittleEndian(e[(at + 8)..], size);
                    at += 16;
                }
                if (offsetBig) BinaryPrimitives.WriteInt64LittleEndian(e[at..], headerOffset);
            }
            _output.Write(header);
        }
        var dirEnd = _output.Position;
        var dirSize = dirEnd - dirStart;
        var needZip64 = dirStart >= Max32 || dirSize >= Max32 || _written.Count >= 0xFFFF;
        if (needZip64)
        {
            Span<byte> record = stackalloc byte[56];
            BinaryPrimitives.WriteUInt32LittleEndian(record, 0x06064b50);
            BinaryPrimitives.WriteInt64LittleEndian(record[4..], 44);
            BinaryPrimitives.WriteUInt16LittleEndian(record[12..], 45);
            BinaryPrimitives.WriteUInt16LittleEndian(record[14..], 45);
            BinaryPrimitives.WriteInt64LittleEndian(record[24..], _written.Count);
            BinaryPrimitives.WriteInt64LittleEndian(record[32..], _written.Count);
            BinaryPrimitives.WriteInt64LittleEndian(record[40..], dirSize);
            BinaryPrimitives.WriteInt64LittleEndian(record[48..], dirStart);
            _output.Write(record);
            Span<byte> locator = stackalloc byte[20];
            BinaryPrimitives.WriteUInt32LittleEndian(locator, 0x07064b50);
            BinaryPrimitives.WriteInt64LittleEndian(locator[8..], dirEnd);
            BinaryPrimitives.WriteUInt32LittleEndian(locator[16..], 1);
            _output.Write(locator);
        }
        Span<byte> end = stackalloc byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        var count = (ushort)Math.Min(_written.Count, 0xFFFF);
        BinaryPrimitives.WriteUInt16LittleEndian(end[8..], count);
        BinaryPrimitives.WriteUInt16LittleEndian(end[10..], count);
        BinaryPrimitives.WriteUInt32LittleEndian(end[12..], needZip64 ? Max32 : (uint)dirSize);
        BinaryPrimitives.WriteUInt32LittleEndian(end[16..], needZip64 ? Max32 : (uint)dirStart);
        _output.Write(end);
    }
}
