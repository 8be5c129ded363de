using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using TorchSharp;

namespace Soups.Checkpoints.Safetensors;

/// <summary>Reads a single <c>.safetensors</c> file: an 8-byte header length, a JSON header, then raw data.</summary>
public sealed class SafetensorsReader : ContiguousFileReader, ICheckpointReader
{
    // The reference implementation refuses headers over 100 MB; a larger one means a corrupt file.
    private const long MaxHeaderBytes = 100_000_000;

    /// <summary>Opens <paramref name="path"/> and parses its header.</summary>
    public SafetensorsReader(string path, ReadOptions options)
        : base(path, "safetensors", options, file => Index(path, file, out _))
    {
    }

    /// <summary>The header's <c>__metadata__</c> strings (read when first asked for).</summary>
    public IReadOnlyDictionary<string, string> Metadata
    {
        get
        {
            if (_metadata != null) return _metadata;
            using var file = File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.Read);
            ParseHeader(Path, file, out var metadata);
            return _metadata = metadata;
        }
    }

    private IReadOnlyDictionary<string, string>? _metadata;

    private static List<(TensorInfo Info, long Offset)> Index(string path, SafeFileHandle file, out IReadOnlyDictionary<string, string> metadata)
    {
        var stored = ParseHeader(path, file, out metadata);
        if (stored.Count == 0) throw new CheckpointFormatException(path, "the file holds no tensors");
        return stored;
    }

    /// <summary>Parses the header; returns tensors in data order with their absolute file offsets.</summary>
    internal static List<(TensorInfo Info, long Offset)> ParseHeader(string path, SafeFileHandle file,
        out IReadOnlyDictionary<string, string> metadata)
    {
        var length = RandomAccess.GetLength(file);
        Span<byte> prefix = stackalloc byte[8];
        if (length < 8 || RandomAccess.Read(file, prefix, 0) != 8)
            throw new CheckpointFormatException(path, "too short to be a safetensors file");
        var headerBytes = BitConverter.ToInt64(prefix);
        if (headerBytes <= 0 || headerBytes > MaxHeaderBytes || 8 + headerBytes > length)
            throw new CheckpointFormatException(path, "invalid safetensors header length (corrupt or truncated file)");
        var header = new byte[headerBytes];
        for (var done = 0; done < header.Length;)
        {
            var n = RandomAccess.Read(file, header.AsSpan(done), 8 + done);
            if (n == 0) throw new CheckpointFormatException(path, "truncated safetensors header");
            done += n;
        }

        var dataStart = 8 + headerBytes;
        var result = new List<(TensorInfo, long)>();
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        var ranges = new List<(long Start, long End, string Name)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(header);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new CheckpointFormatException(path, "invalid safetensors header: not a JSON object");
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                // JSON allows a name twice; a second entry would silently replace the first.
                if (!names.Add(property.Name))
                    throw new CheckpointFormatException(path, $"invalid safetensors header: '{property.Name}' appears twice");
                if (property.Name == "__metadata__")
                {
                    foreach (var m in property.Value.EnumerateObject())
                        meta[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
                    continue;
                }
                var code = property.Value.GetProperty("dtype").GetString() ?? "";
                var dtype = DTypes.FromSafetensors(code)
                    ?? throw new CheckpointFormatException(path, $"tensor '{property.Name}' has unsupported dtype {code}");
                var shape = property.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                if (shape.Any(d => d < 0))
                    throw new CheckpointFormatException(path, $"tensor '{property.Name}' has a negative dimension");
                long bytes;
                try
                {
                    bytes = checked(shape.Aggregate(1L, (a, b) => checked(a * b)) * DTypes.ElementSize(dtype));
                }
                catch (OverflowException)
                {
                    throw new CheckpointFormatException(path, $"tensor '{property.Name}': its shape overflows (corrupt file)");
                }
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] - offsets[0] != bytes
                    || offsets[1] > length - dataStart)
                    throw new CheckpointFormatException(path,
                        $"tensor '{property.Name}': data offsets do not match its shape and dtype, or lie past the end of the file");
                result.Add((new TensorInfo(property.Name, dtype, shape), dataStart + offsets[0]));
                ranges.Add((offsets[0], offsets[1], property.Name));
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new CheckpointFormatException(path, $"invalid safetensors header: {e.Message}", e);
        }
        // Two tensors sharing bytes would make one silently hold part of the other.
        ranges.RemoveAll(r => r.End == r.Start);
        ranges.Sort((a, b) => a.Start.CompareTo(b.Start));
        for (var i = 1; i < ranges.Count; i++)
            if (ranges[i].Start < ranges[i - 1].End)
                throw new CheckpointFormatException(path, $"tensors '{ranges[i - 1].Name}' and '{ranges[i].Name}' overlap in the data section (corrupt file)");
        metadata = meta;
        result.Sort((a, b) => a.Item2.CompareTo(b.Item2));
        return result;
    }
}
