namespace Soups.Checkpoints.Safetensors;

/// <summary>Sharded safetensors, opened through its <c>*.safetensors.index.json</c>; read-only.</summary>
public sealed class ShardedSafetensorsFormat : ICheckpointFormat
{
    /// <inheritdoc />
    public string Name => "safetensors-sharded";

    /// <inheritdoc />
    public IReadOnlyList<string> OutputExtensions { get; } = [];

    /// <inheritdoc />
    public bool Recognizes(string path, ReadOnlySpan<byte> head) =>
        path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && head.TrimStart(" \t\r\n"u8).StartsWith("{"u8);

    /// <inheritdoc />
    public ICheckpointReader Open(string path, ReadOptions options) => new ShardedSafetensorsReader(path, options);

    /// <inheritdoc />
    public ICheckpointWriter? Writer => null;
}
