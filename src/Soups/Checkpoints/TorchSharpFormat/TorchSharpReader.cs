using System.Text;
using TorchSharp;

namespace Soups.Checkpoints.TorchSharpFormat;

/// <summary>
/// Reads TorchSharp's own state-dict format (<c>Module.save</c>): a LEB128 entry count, then per entry a .NET
/// string name, LEB128 dtype, rank and dimensions, and the raw bytes. The file is scanned once for offsets.
/// </summary>
public sealed class TorchSharpReader(string path, ReadOptions options)
    : ContiguousFileReader(path, "torchsharp", options, _ => Scan(path))
{
    /// <summary>True when the whole file parses as a TorchSharp state dict.</summary>
    public static bool IsTorchSharpFile(string path)
    {
        try
        {
            return Scan(path).Count > 0;
        }
        catch (Exception e) when (e is CheckpointFormatException or IOException)
        {
            return false;
        }
    }

    // Every size read is checked against what is left of the file before it is used, so a damaged or hostile file
    // (sizes that wrap around and seek backwards) costs one pass over its bytes at most (issue #8).
    private static List<(TensorInfo Info, long Offset)> Scan(string path)
    {
        const string NotTorchSharp = "not a TorchSharp checkpoint (the file does not parse as Module.save output)";
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        var length = stream.Length;
        var result = new List<(TensorInfo, long)>();
        try
        {
            var count = Leb128(reader);
            // Each entry takes at least three bytes (name length, dtype, rank).
            if (count <= 0 || count > (length - stream.Position) / 3) throw new CheckpointFormatException(path, NotTorchSharp);
            for (long i = 0; i < count; i++)
            {
                var nameBytes = Leb128Peek(reader);
                if (nameBytes > length - stream.Position) throw new CheckpointFormatException(path, NotTorchSharp);
                var name = reader.ReadString();
                var code = Leb128(reader);
                var dtype = (torch.ScalarType)code;
                if (code > 64 || !DTypes.IsSupported(dtype)) throw new CheckpointFormatException(path, NotTorchSharp);
                var rank = Leb128(reader);
                if (rank > 64) throw new CheckpointFormatException(path, NotTorchSharp);
                var shape = new long[rank];
                for (var d = 0; d < rank; d++) shape[d] = Leb128(reader);
                var bytes = checked(shape.Aggregate(1L, (a, b) => checked(a * b)) * DTypes.ElementSize(dtype));
                var offset = stream.Position;
                if (bytes > length - offset) throw new CheckpointFormatException(path, NotTorchSharp);
                stream.Seek(bytes, SeekOrigin.Current);
                result.Add((new TensorInfo(name, dtype, shape), offset));
            }
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or OverflowException or DecoderFallbackException
                                      or IOException)
        {
            throw new CheckpointFormatException(path, NotTorchSharp, e);
        }
        if (stream.Position != length) throw new CheckpointFormatException(path, NotTorchSharp);
        return result;
    }

    // The length prefix of the next string, without consuming it.
    private static long Leb128Peek(BinaryReader reader)
    {
        var start = reader.BaseStream.Position;
        var value = Leb128(reader);
        reader.BaseStream.Position = start;
        return value;
    }

    // Non-negative LEB128 values below 2^56 (nine groups of seven bits): anything larger is not a size.
    private static long Leb128(BinaryReader reader)
    {
        long value = 0;
        for (var shift = 0; shift < 56; shift += 7)
        {
            var b = reader.ReadByte();
            value |= (long)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new FormatException("LEB128 value too long");
    }
}
