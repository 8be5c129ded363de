namespace Soups.Checkpoints.Safetensors;

/// <summary>Reads a single <c>.safetensors</c> file: an 8-byte header length, a JSON header, then raw data.</summary>
public sealed class SafetensorsReader : ContiguousFileReader, ICheckpointReader
{
    private readonly (int Start, int Length) _metadataRange;

    /// <summary>Opens <paramref name="path"/> and parses its header.</summary>
    public SafetensorsReader(string path, ReadOptions options) : this(path, options, new HeaderFacts())
    {
    }

    private SafetensorsReader(string path, ReadOptions options, HeaderFacts facts)
        : base(path, "safetensors", options, file => Index(path, file, facts)) =>
        _metadataRange = facts.MetadataRange;

    /// <summary>The header's <c>__metadata__</c> strings (read when first asked for).</summary>
    public IReadOnlyDictionary<string, string> Metadata
    {
        get
        {
            if (_metadata != null) return _metadata;
            // Only the metadata's bytes are read again: a recipe may be most of the header, the tensors the rest.
            var json = new byte[_metadataRange.Length];
            if (json.Length > 0)
            {
                using var file = File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.Read);
                TensorData.ReadInto(file, 8 + _metadataRange.Start, json, Path, "__metadata__");
            }
            return _metadata = SafetensorsHeader.Metadata(Path, json);
        }
    }

    private IReadOnlyDictionary<string, string>? _metadata;

    private static List<(TensorInfo Info, long Offset)> Index(string path, Microsoft.Win32.SafeHandles.SafeFileHandle file, HeaderFacts facts)
    {
        var header = SafetensorsHeader.Read(path, file);
        var stored = SafetensorsHeader.Parse(path, header, RandomAccess.GetLength(file), out facts.MetadataRange);
        if (stored.Count == 0) throw new CheckpointFormatException(path, "the file holds no tensors");
        return stored;
    }

    // What parsing the header learns beside the tensors, handed out of the base constructor's call.
    private sealed class HeaderFacts
    {
        public (int Start, int Length) MetadataRange;
    }
}
