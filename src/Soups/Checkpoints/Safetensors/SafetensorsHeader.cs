using System.Globalization;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace Soups.Checkpoints.Safetensors;

/// <summary>
/// The JSON header of a safetensors file: its size limit and its parsing. The header is read front to back once
/// (<see cref="Utf8JsonReader"/>, no document tree: a checkpoint of a million tensors has a header of about 80 MB), and
/// the <c>__metadata__</c> object, which may be most of it (a soup's recipe), is only located, to be read when asked for.
/// </summary>
internal static class SafetensorsHeader
{
    /// <summary>
    /// The largest header the reference implementation (and so every safetensors reader) accepts: 100 MB. A larger
    /// one is refused on reading and never written.
    /// </summary>
    public const long MaxBytes = 100_000_000;

    /// <summary>A size in decimal megabytes, as the limit is stated (<c>100 MB</c>, <c>120.4 MB</c>), or in bytes.</summary>
    public static string Megabytes(long bytes)
    {
        var megabytes = bytes / 1e6;
        // Small sizes, and sizes near the limit that would round to it, are given in bytes.
        if (bytes < 1_000_000 || (bytes != MaxBytes && Math.Round(megabytes, 1) == MaxBytes / 1e6))
            return string.Create(CultureInfo.InvariantCulture, $"{bytes:N0} bytes");
        return megabytes.ToString(bytes % 1_000_000 == 0 ? "0" : "0.0", CultureInfo.InvariantCulture) + " MB";
    }

    /// <summary>The header's bytes (after the 8-byte length), checked against the file's length and the limit.</summary>
    public static byte[] Read(string path, SafeFileHandle file)
    {
        var length = RandomAccess.GetLength(file);
        Span<byte> prefix = stackalloc byte[8];
        if (length < 8 || RandomAccess.Read(file, prefix, 0) != 8)
            throw new CheckpointFormatException(path, "too short to be a safetensors file");
        var headerBytes = BitConverter.ToInt64(prefix);
        if (headerBytes <= 0 || 8 + headerBytes > length)
            throw new CheckpointFormatException(path, "invalid safetensors header length (corrupt or truncated file)");
        if (headerBytes > MaxBytes)
            throw new CheckpointFormatException(path,
                $"its safetensors header of {Megabytes(headerBytes)} is over the limit of {Megabytes(MaxBytes)} that safetensors readers accept");
        var header = GC.AllocateUninitializedArray<byte>((int)headerBytes);
        for (var done = 0; done < header.Length;)
        {
            var n = RandomAccess.Read(file, header.AsSpan(done), 8 + done);
            if (n == 0) throw new CheckpointFormatException(path, "truncated safetensors header");
            done += n;
        }
        return header;
    }

    /// <summary>
    /// The tensors of <paramref name="header"/> in data order with their absolute file offsets, and where its
    /// <c>__metadata__</c> object lies in it (length 0 when there is none).
    /// </summary>
    public static List<(TensorInfo Info, long Offset)> Parse(string path, byte[] header, long fileLength,
        out (int Start, int Length) metadata)
    {
        var dataStart = 8L + header.Length;
        var result = new List<(TensorInfo Info, long Offset)>();
        var shape = new List<long>();
        metadata = (0, 0);
        try
        {
            var json = new Utf8JsonReader(header);
            if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
                throw new CheckpointFormatException(path, "invalid safetensors header: not a JSON object");
            while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
            {
                // A tensor named twice is refused when names are mapped (PrefixMapping), where every format's are checked.
                var name = json.GetString()!;
                json.Read();
                if (name == "__metadata__")
                {
                    if (metadata.Length > 0) throw new CheckpointFormatException(path, "invalid safetensors header: '__metadata__' appears twice");
                    if (json.TokenType != JsonTokenType.StartObject)
                        throw new CheckpointFormatException(path, "invalid safetensors header: __metadata__ is not an object");
                    var start = (int)json.TokenStartIndex;
                    json.Skip();
                    metadata = (start, (int)json.BytesConsumed - start);
                    continue;
                }
                var info = Entry(path, name, ref json, shape, fileLength - dataStart, out var offset);
                result.Add((info, dataStart + offset));
            }
            if (json.TokenType != JsonTokenType.EndObject || json.Read())
                throw new CheckpointFormatException(path, "invalid safetensors header: not one JSON object");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new CheckpointFormatException(path, $"invalid safetensors header: {e.Message}", e);
        }
        if (!InDataOrder(result)) result.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        // Two tensors sharing bytes would make one silently hold part of the other.
        (string Name, long End)? previous = null;
        foreach (var (info, offset) in result)
        {
            var end = offset + info.ByteCount;
            if (end == offset) continue;
            if (previous is { } p && offset < p.End)
                throw new CheckpointFormatException(path, $"tensors '{p.Name}' and '{info.Name}' overlap in the data section (corrupt file)");
            previous = (info.Name, end);
        }
        return result;
    }

    // Writers list tensors in data order, so the sort is usually not needed (and sorting sorted entries is not free).
    // Strictly increasing offsets only: where empty tensors share an offset, the sort's order of them is kept.
    private static bool InDataOrder(List<(TensorInfo Info, long Offset)> entries)
    {
        for (var i = 1; i < entries.Count; i++)
            if (entries[i].Offset <= entries[i - 1].Offset) return false;
        return true;
    }

    /// <summary>The strings of a <c>__metadata__</c> object (<paramref name="json"/>), in file order.</summary>
    public static Dictionary<string, string> Metadata(string path, ReadOnlySpan<byte> json)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (json.IsEmpty) return metadata;
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            foreach (var m in doc.RootElement.EnumerateObject())
                metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new CheckpointFormatException(path, $"invalid safetensors header: {e.Message}", e);
        }
        return metadata;
    }

    // One tensor's entry ({"dtype", "shape", "data_offsets"}, in any order), checked against the data section.
    private static TensorInfo Entry(string path, string name, ref Utf8JsonReader json, List<long> shape, long dataBytes, out long offset)
    {
        if (json.TokenType != JsonTokenType.StartObject)
            throw new CheckpointFormatException(path, $"invalid safetensors header: the entry of '{name}' is not an object");
        TorchSharp.torch.ScalarType? dtype = null;
        long[]? dims = null;
        long begin = -1, end = -1;
        var offsets = 0;
        while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
        {
            if (json.ValueTextEquals("dtype"u8))
            {
                json.Read();
                dtype = DTypes.FromSafetensors(json.ValueSpan) ?? throw new CheckpointFormatException(path,
                    $"tensor '{name}' has unsupported dtype {json.GetString()}");
            }
            else if (json.ValueTextEquals("shape"u8))
            {
                Numbers(path, name, ref json, shape);
                dims = shape.Count == 0 ? [] : [.. shape];
            }
            else if (json.ValueTextEquals("data_offsets"u8))
            {
                Numbers(path, name, ref json, shape);
                offsets = shape.Count;
                if (offsets == 2) (begin, end) = (shape[0], shape[1]);
            }
            else
            {
                json.Read();
                json.Skip();
            }
        }
        if (dtype is null || dims is null || offsets == 0)
            throw new CheckpointFormatException(path, $"invalid safetensors header: the entry of '{name}' lacks dtype, shape or data_offsets");
        foreach (var d in dims)
            if (d < 0) throw new CheckpointFormatException(path, $"tensor '{name}' has a negative dimension");
        long bytes;
        try
        {
            bytes = DTypes.ElementSize(dtype.Value);
            foreach (var d in dims) bytes = checked(bytes * d);
        }
        catch (OverflowException)
        {
            throw new CheckpointFormatException(path, $"tensor '{name}': its shape overflows (corrupt file)");
        }
        if (offsets != 2 || begin < 0 || end < begin || end - begin != bytes || end > dataBytes)
            throw new CheckpointFormatException(path,
                $"tensor '{name}': data offsets do not match its shape and dtype, or lie past the end of the file");
        offset = begin;
        return new TensorInfo(name, dtype.Value, dims);
    }

    // Reads the array of integers that follows a property name into numbers (cleared first).
    private static void Numbers(string path, string name, ref Utf8JsonReader json, List<long> numbers)
    {
        numbers.Clear();
        json.Read();
        if (json.TokenType != JsonTokenType.StartArray)
            throw new CheckpointFormatException(path, $"invalid safetensors header: the shape or data_offsets of '{name}' is not an array");
        while (json.Read() && json.TokenType != JsonTokenType.EndArray) numbers.Add(json.GetInt64());
    }
}
