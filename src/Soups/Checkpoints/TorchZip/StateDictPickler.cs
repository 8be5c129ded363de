using System.Buffers.Binary;
using System.Text;

namespace Soups.Checkpoints.TorchZip;

/// <summary>
/// Writes the pickle (protocol 2) of an <c>OrderedDict</c> of tensors as torch.save does: each tensor is
/// <c>torch._utils._rebuild_tensor_v2</c> over its own storage record <c>data/i</c>.
/// </summary>
internal static class StateDictPickler
{
    public static byte[] Pickle(IReadOnlyList<TensorInfo> layout)
    {
        var p = new MemoryStream();
        p.Write([0x80, 0x02]); // PROTO 2
        Global(p, "collections", "OrderedDict");
        p.Write([0x29, 0x52]); // EMPTY_TUPLE, REDUCE -> OrderedDict()
        p.WriteByte(0x28); // MARK
        for (var i = 0; i < layout.Count; i++)
        {
            var info = layout[i];
            String(p, info.Name);
            Global(p, "torch._utils", "_rebuild_tensor_v2");
            p.WriteByte(0x28); // MARK (arguments)
            p.WriteByte(0x28); // MARK (persistent id)
            String(p, "storage");
            Global(p, "torch", DTypes.ToStorageClass(info.DType));
            String(p, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            String(p, "cpu");
            Int(p, info.ElementCount);
            p.WriteByte(0x74); // TUPLE
            p.WriteByte(0x51); // BINPERSID
            Int(p, 0); // storage offset
            Tuple(p, info.Shape);
            Tuple(p, ContiguousStrides(info.Shape));
            p.WriteByte(0x89); // requires_grad = False
            Global(p, "collections", "OrderedDict");
            p.Write([0x29, 0x52]); // backward hooks: OrderedDict()
            p.WriteByte(0x74); // TUPLE
            p.WriteByte(0x52); // REDUCE
        }
        p.WriteByte(0x75); // SETITEMS
        p.WriteByte(0x2e); // STOP
        return p.ToArray();
    }

    private static long[] ContiguousStrides(long[] shape)
    {
        var strides = new long[shape.Length];
        long step = 1;
        for (var d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = step;
            step *= Math.Max(1, shape[d]);
        }
        return strides;
    }

    private static void Global(Stream p, string module, string name)
    {
        p.WriteByte(0x63);
        p.Write(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
    }

    private static void String(Stream p, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        p.WriteByte(0x58); // BINUNICODE
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
        p.Write(length);
        p.Write(bytes);
    }

    private static void Tuple(Stream p, long[] values)
    {
        p.WriteByte(0x28);
        foreach (var v in values) Int(p, v);
        p.WriteByte(0x74);
    }

    private static void Int(Stream p, long value)
    {
        Span<byte> buffer = stackalloc byte[8];
        if (value is >= 0 and < 256)
        {
            p.WriteByte(0x4b); // BININT1
            p.WriteByte((byte)value);
        }
        else if (value is >= int.MinValue and <= int.MaxValue)
        {
            p.WriteByte(0x4a); // BININT
            BinaryPrimitives.WriteInt32LittleEndian(buffer, (int)value);
            p.Write(buffer[..4]);
        }
        else
        {
            p.Write([0x8a, 8]); // LONG1, 8 bytes two's complement
            BinaryPrimitives.WriteInt64LittleEndian(buffer, value);
            p.Write(buffer);
        }
    }
}
