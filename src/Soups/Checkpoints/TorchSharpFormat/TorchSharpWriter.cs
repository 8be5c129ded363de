using System.Text;

namespace Soups.Checkpoints.TorchSharpFormat;

/// <summary>Writes TorchSharp's <c>Module.save</c> format, which <c>Module.load</c> reads back.</summary>
public sealed class TorchSharpWriter : ICheckpointWriter
{
    /// <inheritdoc />
    public void Write(Stream output, IReadOnlyList<TensorInfo> layout, Func<TensorInfo, TensorBytes> produce,
        IReadOnlyDictionary<string, string> metadata, Func<IReadOnlyDictionary<string, string>>? finalMetadata = null)
    {
        using var writer = new BinaryWriter(output, Encoding.UTF8, leaveOpen: true);
        Leb128(writer, layout.Count);
        foreach (var info in layout)
        {
            writer.Write(info.Name);
            Leb128(writer, (int)info.DType);
            Leb128(writer, info.Shape.Length);
            foreach (var d in info.Shape) Leb128(writer, d);
            writer.Flush();
            using var bytes = produce(info);
            bytes.WriteTo(output);
        }
    }

    private static void Leb128(BinaryWriter writer, long value)
    {
        do
        {
            var b = (byte)(value & 0x7f);
            value >>= 7;
            writer.Write(value == 0 ? b : (byte)(b | 0x80));
        } while (value != 0);
    }
}
