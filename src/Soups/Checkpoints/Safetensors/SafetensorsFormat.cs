namespace Soups.Checkpoints.Safetensors;

/// <summary>Single-file safetensors: the default output format.</summary>
public sealed class SafetensorsFormat : ICheckpointFormat
{
    /// <inheritdoc />
    public string Name => "safetensors";

    /// <inheritdoc />
    public IReadOnlyList<string> OutputExtensions { get; } = [".safetensors"];

    /// <inheritdoc />
    public bool Recognizes(string path, ReadOnlySpan<byte> head)
    {
        // 8-byte little-endian header length, then a JSON object.
        if (head.Length < 9) return false;
        var length = BitConverter.ToInt64(head);
        return length > 1 && head[8] == (byte)'{';
    }

    /// <inheritdoc />
    public ICheckpointReader Open(string path, ReadOptions options) => new SafetensorsReader(path, options);

    /// <inheritdoc />
    public ICheckpointWriter? Writer { get; } = new SafetensorsWriter();
}
