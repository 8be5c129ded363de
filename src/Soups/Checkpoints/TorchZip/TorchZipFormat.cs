namespace Soups.Checkpoints.TorchZip;

/// <summary>PyTorch's torch.save zip format (<c>.pt</c>, <c>.pth</c>, <c>.bin</c>).</summary>
public sealed class TorchZipFormat : ICheckpointFormat
{
    /// <inheritdoc />
    public string Name => "pt";

    /// <inheritdoc />
    public IReadOnlyList<string> OutputExtensions { get; } = [".pt", ".pth", ".bin"];

    /// <inheritdoc />
    public bool Recognizes(string path, ReadOnlySpan<byte> head) => head.StartsWith("PK\x03\x04"u8);

    /// <inheritdoc />
    public ICheckpointReader Open(string path, ReadOptions options) => new TorchZipReader(path, options);

    /// <inheritdoc />
    public ICheckpointWriter? Writer { get; } = new TorchZipWriter();
}
