using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using TorchSharp;

namespace Soups.Checkpoints.Safetensors;

/// <summary>Reads a single <c>.safetensors</c> file: an 8-byte header length, a JSON header, then raw data.</summary>
public sealed class SafetensorsReader : ICheckpointReader
{
    // The reference implementation refuses headers over 100 MB; a larger one means a corrupt file.
    private const long MaxHeaderBytes = 100_000_000;

    private readonly SafeFileHandle _file;
    private readonly Dictionary<string, (TensorInfo Info, long Offset)> _byName = new(StringComparer.Ordinal);

    /// <summary>Opens <paramref name="path"/> and parses its header.</summary>
    public SafetensorsReader(string path, ReadOptions options)
    {
        Path = path;
        _file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            var stored = ParseHeader(path, _file, out var metadata);
            Metadata = metadata;
            var rename = PrefixMapping.For(stored.Select(s => s.Info.Name).ToList(), options);
            var tensors = new List<TensorInfo>(stored.Count);
            foreach (var (info, offset) in stored)
            {
                var renamed = info with { Name = rename(info.Name) };
                _byName[renamed.Name] = (renamed, offset);
                tensors.Add(renamed);
            }
            Tensors = tensors;
        }
        catch
        {
            _file.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public string Path { get; }

    /// <inheritdoc />
    public string Format => "safetensors";

    /// <inheritdoc />
    public IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> strings.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <inheritdoc />
    public torch.Tensor Read(string name)
    {
        if (!_byName.TryGetValue(name, out var entry))
            throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");
        return TensorData.ReadContiguous(_file, entry.Offset, entry.Info, Path);
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

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
        if (RandomAccess.Read(file, header, 8) != headerBytes)
            throw new CheckpointFormatException(path, "truncated safetensors header");

        var dataStart = 8 + headerBytes;
        var result = new List<(TensorInfo, long)>();
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(header);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
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
                var info = new TensorInfo(property.Name, dtype, shape);
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] - offsets[0] != info.ByteCount
                    || dataStart + offsets[1] > length)
                    throw new CheckpointFormatException(path,
                        $"tensor '{property.Name}': data offsets do not match its shape and dtype, or lie past the end of the file");
                result.Add((info, dataStart + offsets[0]));
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new CheckpointFormatException(path, $"invalid safetensors header: {e.Message}", e);
        }
        metadata = meta;
        result.Sort((a, b) => a.Item2.CompareTo(b.Item2));
        return result;
    }
}
