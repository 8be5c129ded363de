namespace Soups.Checkpoints.TorchSharpFormat;

/// <summary>TorchSharp's own format. It has no magic number: it is recognised by parsing the whole file's index.</summary>
public sealed class TorchSharpCheckpointFormat : ICheckpointFormat
{
    /// <inheritdoc />
    public string Name => "torchsharp";

    /// <inheritdoc />
    public IReadOnlyList<string> OutputExtensions { get; } = [".dat", ".torchsharp"];

    /// <inheritdoc />
    public bool Recognizes(string path, ReadOnlySpan<byte> head) =>
        !head.StartsWith("PK"u8) && head.Length > 0 && TorchSharpReader.IsTorchSharpFile(path);

    /// <inheritdoc />
    public ICheckpointReader Open(string path, ReadOptions options) => new TorchSharpReader(path, options);

    /// <inheritdoc />
    public ICheckpointWriter? Writer { get; } = new TorchSharpWriter();
}
