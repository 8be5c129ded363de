using System.Buffers.Binary;
using System.Text;
using Soups.Checkpoints.TorchZip;

namespace Soups.Tests.Checkpoints;

/// <summary>
/// Builds damaged and hostile checkpoints byte by byte: torch.save archives whose pickle describes a tensor with any
/// size, stride or offset (or None where a number belongs), safetensors headers of any text, TorchSharp files with
/// any sizes (issue #8: "bound every size by the file's length before allocating").
/// </summary>
internal static class HostileFiles
{
    /// <summary>A torch.save zip holding one float32 tensor 'w' described by the given (possibly absurd) values.</summary>
    public static void TorchSave(string path, object? offset, object?[] shape, object?[] stride, object? numel, long storageBytes,
        object? storageKey = null)
    {
        var pickle = new MemoryStream();
        pickle.Write([0x80, 0x02]);
        Global(pickle, "collections", "OrderedDict");
        pickle.Write([0x29, 0x52, 0x28]); // (), REDUCE, MARK
        Unicode(pickle, "w");
        Global(pickle, "torch._utils", "_rebuild_tensor_v2");
        pickle.Write([0x28, 0x28]); // MARK args, MARK persistent id
        Unicode(pickle, "storage");
        Global(pickle, "torch", "FloatStorage");
        Value(pickle, storageKey ?? "0");
        Unicode(pickle, "cpu");
        Value(pickle, numel);
        pickle.Write([0x74, 0x51]); // TUPLE, BINPERSID
        Value(pickle, offset);
        Tuple(pickle, shape);
        Tuple(pickle, stride);
        pickle.WriteByte(0x89); // False
        Global(pickle, "collections", "OrderedDict");
        pickle.Write([0x29, 0x52, 0x74, 0x52, 0x75, 0x2e]); // (), REDUCE, TUPLE, REDUCE, SETITEMS, STOP
        using var file = File.Create(path);
        var zip = new StoredZipWriter(file);
        zip.Add("archive/data.pkl", pickle.ToArray());
        zip.Add("archive/byteorder", "little"u8.ToArray());
        zip.Add("archive/data/0", new byte[storageBytes]);
        zip.Add("archive/version", "3\n"u8.ToArray());
        zip.Finish();
    }

    /// <summary>A safetensors file with the given header text and <paramref name="dataBytes"/> zero bytes of data.</summary>
    public static void Safetensors(string path, string header, int dataBytes)
    {
        var json = Encoding.UTF8.GetBytes(header);
        using var file = File.Create(path);
        file.Write(BitConverter.GetBytes((long)json.Length));
        file.Write(json);
        file.Write(new byte[dataBytes]);
    }

    /// <summary>A TorchSharp-format file with one float32 tensor of the given dimensions, and <paramref name="dataBytes"/> bytes.</summary>
    public static void TorchSharp(string path, ulong[] dims, int dataBytes)
    {
        var bytes = new List<byte>();
        Leb(bytes, 1);
        bytes.Add(1);
        bytes.Add((byte)'w');
        Leb(bytes, 6); // float32
        Leb(bytes, (ulong)dims.Length);
        foreach (var d in dims) Leb(bytes, d);
        bytes.AddRange(new byte[dataBytes]);
        File.WriteAllBytes(path, [.. bytes]);
    }

    private static void Leb(List<byte> bytes, ulong value)
    {
        do
        {
            var b = (byte)(value & 0x7f);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        } while (value != 0);
    }

    private static void Global(Stream p, string module, string name) => p.Write(Encoding.ASCII.GetBytes($"c{module}\n{name}\n"));

    private static void Unicode(Stream p, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        p.WriteByte(0x58);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
        p.Write(length);
        p.Write(bytes);
    }

    private static void Value(Stream p, object? value)
    {
        switch (value)
        {
            case null: p.WriteByte(0x4e); break;
            case string s: Unicode(p, s); break;
            case long l:
                Span<byte> buffer = stackalloc byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(buffer, l);
                p.Write([0x8a, 8]);
                p.Write(buffer);
                break;
            case int i: Value(p, (long)i); break;
            default: throw new ArgumentException($"cannot pickle {value}");
        }
    }

    private static void Tuple(Stream p, object?[] values)
    {
        p.WriteByte(0x28);
        foreach (var v in values) Value(p, v);
        p.WriteByte(0x74);
    }
}
