using System.Text.Json;
using TorchSharp;

namespace Soups.Checkpoints.Safetensors;

/// <summary>Writes a single safetensors file with an 8-byte aligned data section.</summary>
public sealed class SafetensorsWriter : ICheckpointWriter
{
    /// <inheritdoc />
    public void Write(Stream output, IReadOnlyList<TensorInfo> layout, Func<TensorInfo, torch.Tensor> produce,
        IReadOnlyDictionary<string, string> metadata)
    {
        var header = BuildHeader(layout, metadata);
        output.Write(BitConverter.GetBytes((long)header.Length));
        output.Write(header);
        foreach (var info in layout)
        {
            using var tensor = produce(info);
            TensorData.Write(tensor, output);
        }
    }

    private static byte[] BuildHeader(IReadOnlyList<TensorInfo> layout, IReadOnlyDictionary<string, string> metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata.Count > 0)
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var info in layout)
            {
                json.WriteStartObject(info.Name);
                json.WriteString("dtype", DTypes.ToSafetensors(info.DType));
                json.WriteStartArray("shape");
                foreach (var d in info.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + info.ByteCount);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += info.ByteCount;
            }
            json.WriteEndObject();
        }
        // Pad with spaces so the data section starts on an 8-byte boundary, as the reference writer does.
        var length = (int)buffer.Length;
        var padded = (8 + length + 7) / 8 * 8 - 8;
        var bytes = new byte[padded];
        buffer.GetBuffer().AsSpan(0, length).CopyTo(bytes);
        bytes.AsSpan(length).Fill((byte)' ');
        return bytes;
    }

}
