using System.Text.Json;

namespace Soups.Checkpoints.Safetensors;

/// <summary>Writes a single safetensors file with an 8-byte aligned data section.</summary>
public sealed class SafetensorsWriter : ICheckpointWriter
{
    /// <inheritdoc />
    public void Write(Stream output, IReadOnlyList<TensorInfo> layout, Func<TensorInfo, TensorBytes> produce,
        IReadOnlyDictionary<string, string> metadata, Func<IReadOnlyDictionary<string, string>>? finalMetadata = null)
    {
        var start = output.Position;
        var header = BuildHeader(layout, metadata);
        output.Write(BitConverter.GetBytes((long)header.Length));
        output.Write(header);
        foreach (var info in layout)
        {
            using var bytes = produce(info);
            if (bytes.Length != info.ByteCount)
                throw new InvalidOperationException($"tensor '{info.Name}': {bytes.Length} bytes for a {info.ByteCount}-byte layout entry");
            bytes.WriteTo(output);
        }
        if (finalMetadata is null) return;
        // The header goes last (the recipe's input hashes were computed while the tensors were made); it must fill
        // exactly the room left for it, or the data offsets would be wrong.
        var final = BuildHeader(layout, finalMetadata());
        if (final.Length != header.Length)
            throw new InvalidOperationException($"the final safetensors header is {final.Length} bytes, not the {header.Length} reserved");
        var end = output.Position;
        output.Position = start + 8;
        output.Write(final);
        output.Position = end;
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
