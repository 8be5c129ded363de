using System.Text.Json;

namespace Soups.Checkpoints.Safetensors;

/// <summary>
/// Writes a single safetensors file with an 8-byte aligned data section. A header over the limit that safetensors
/// readers accept (<see cref="SafetensorsHeader.MaxBytes"/>, soup's own included) is refused before anything is written.
/// </summary>
public sealed class SafetensorsWriter : ICheckpointWriter
{
    /// <inheritdoc />
    public void Write(Stream output, IReadOnlyList<TensorInfo> layout, Func<TensorInfo, TensorBytes> produce,
        IReadOnlyDictionary<string, string> metadata, Func<IReadOnlyDictionary<string, string>>? finalMetadata = null)
    {
        var start = output.Position;
        // The tensors' entries are serialised once: the final header differs from the first only in its metadata.
        var entries = Json(json => WriteEntries(json, layout));
        var header = Header(Json(json => WriteMetadata(json, metadata)), entries);
        if (header.Length > SafetensorsHeader.MaxBytes)
            throw TooLarge(output is FileStream file ? file.Name : "the safetensors output", header.Length, entries.Length, metadata, layout.Count);
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
        var final = Header(Json(json => WriteMetadata(json, finalMetadata())), entries);
        if (final.Length != header.Length)
            throw new InvalidOperationException($"the final safetensors header is {final.Length} bytes, not the {header.Length} reserved");
        var end = output.Position;
        output.Position = start + 8;
        output.Write(final);
        output.Position = end;
    }

    /// <inheritdoc />
    public void RequireFits(string path, IReadOnlyList<TensorInfo> layout, IReadOnlyDictionary<string, string> metadata)
    {
        var entries = EntriesLength(layout);
        var bytes = Padded(Joined(JsonLength(json => WriteMetadata(json, metadata)), entries));
        if (bytes > SafetensorsHeader.MaxBytes) throw TooLarge(path, bytes, entries, metadata, layout.Count);
    }

    /// <summary>
    /// The bytes the header of a file of <paramref name="layout"/> and <paramref name="metadata"/> takes, padding included
    /// (not the 8-byte length before it), counted without building it.
    /// </summary>
    public static long HeaderBytes(IReadOnlyList<TensorInfo> layout, IReadOnlyDictionary<string, string> metadata) =>
        Padded(Joined(JsonLength(json => WriteMetadata(json, metadata)), EntriesLength(layout)));

    // The safetensors header is {"__metadata__": {...}, "tensor": {...}, ...}: the metadata object and the tensors'
    // entries are serialised apart ({"__metadata__": {...}} and {"tensor": {...}, ...}) and joined inside one pair of
    // braces, which gives the bytes a single writer would.
    private static byte[] Header(ReadOnlyMemory<byte> metadata, ReadOnlyMemory<byte> entries)
    {
        var header = new byte[Padded(Joined(metadata.Length, entries.Length))];
        var at = 0;
        header[at++] = (byte)'{';
        metadata.Span[1..^1].CopyTo(header.AsSpan(at));
        at += metadata.Length - 2;
        if (metadata.Length > 2 && entries.Length > 2) header[at++] = (byte)',';
        entries.Span[1..^1].CopyTo(header.AsSpan(at));
        at += entries.Length - 2;
        header[at++] = (byte)'}';
        // Padded with spaces so the data section starts on an 8-byte boundary, as the reference writer does.
        header.AsSpan(at).Fill((byte)' ');
        return header;
    }

    private static long Joined(long metadata, long entries) => 2 + (metadata - 2) + (entries - 2) + (metadata > 2 && entries > 2 ? 1 : 0);

    private static long Padded(long length) => (8 + length + 7) / 8 * 8 - 8;

    private static void WriteMetadata(Utf8JsonWriter json, IReadOnlyDictionary<string, string> metadata)
    {
        json.WriteStartObject();
        if (metadata.Count > 0)
        {
            json.WriteStartObject("__metadata__");
            foreach (var (key, value) in metadata) json.WriteString(key, value);
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    private static void WriteEntries(Utf8JsonWriter json, IReadOnlyList<TensorInfo> layout)
    {
        json.WriteStartObject();
        long offset = 0;
        foreach (var info in layout)
        {
            json.WriteStartObject(info.Name);
            json.WriteString(DType, DTypes.ToSafetensors(info.DType));
            json.WriteStartArray(Shape);
            foreach (var d in info.Shape) json.WriteNumberValue(d);
            json.WriteEndArray();
            json.WriteStartArray(DataOffsets);
            json.WriteNumberValue(offset);
            json.WriteNumberValue(offset + info.ByteCount);
            json.WriteEndArray();
            json.WriteEndObject();
            offset += info.ByteCount;
        }
        json.WriteEndObject();
    }

    // The length of WriteEntries' JSON, counted rather than written (a million tensors' entries take about 80 MB to write).
    private static long EntriesLength(IReadOnlyList<TensorInfo> layout)
    {
        const string skeleton = "{\"dtype\":\"\",\"shape\":[],\"data_offsets\":[,]}";
        long length = 2 + Math.Max(0, layout.Count - 1); // the braces, and a comma between entries
        long offset = 0;
        foreach (var info in layout)
        {
            length += EncodedLength(info.Name) + 3 + skeleton.Length + DTypes.ToSafetensors(info.DType).Length; // "name":
            foreach (var d in info.Shape) length += Digits(d);
            length += Math.Max(0, info.Shape.Length - 1);
            length += Digits(offset) + Digits(offset + info.ByteCount);
            offset += info.ByteCount;
        }
        return length;
    }

    // Names are usually letters, digits, dots and underscores, which JSON writes as they are; any other is encoded to
    // be measured, with the writer's own encoder.
    private static int EncodedLength(string name)
    {
        foreach (var c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')) return JsonEncodedText.Encode(name).EncodedUtf8Bytes.Length;
        return name.Length;
    }

    private static int Digits(long value)
    {
        var digits = value < 0 ? 2 : 1;
        for (var v = Math.Abs(value / 10); v > 0; v /= 10) digits++;
        return digits;
    }

    private static readonly JsonEncodedText DType = JsonEncodedText.Encode("dtype");
    private static readonly JsonEncodedText Shape = JsonEncodedText.Encode("shape");
    private static readonly JsonEncodedText DataOffsets = JsonEncodedText.Encode("data_offsets");

    private static ReadOnlyMemory<byte> Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer)) write(json);
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static long JsonLength(Action<Utf8JsonWriter> write)
    {
        var counter = new ByteCounter();
        using (var json = new Utf8JsonWriter(counter)) write(json);
        return counter.Length;
    }

    private static OutputException TooLarge(string path, long bytes, long entries, IReadOnlyDictionary<string, string> metadata,
        int tensors)
    {
        var parts = $"the index of its {tensors:N0} tensors takes {SafetensorsHeader.Megabytes(entries)}";
        if (metadata.Count > 0)
        {
            var (key, value) = metadata.MaxBy(kv => kv.Value.Length);
            parts += $", its metadata the rest, most of it '{key}' ({SafetensorsHeader.Megabytes(System.Text.Encoding.UTF8.GetByteCount(value))})";
        }
        return new OutputException(path, OutputProblem.TooLarge,
            $"the safetensors header would be {SafetensorsHeader.Megabytes(bytes)}, over the limit of " +
            $"{SafetensorsHeader.Megabytes(SafetensorsHeader.MaxBytes)} that safetensors readers accept ({parts}); " +
            "nothing was written; choose another output format (.pt keeps no metadata)");
    }

    // A stream that keeps only the number of bytes written to it: a header is measured without being held.
    private sealed class ByteCounter : Stream
    {
        private long _length;

        public override long Length => _length;

        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
