using TorchSharp;

namespace Soups.Checkpoints;

/// <summary>Writes a checkpoint tensor by tensor; the layout is known up front, the data is pulled lazily.</summary>
public interface ICheckpointWriter
{
    /// <summary>
    /// Writes <paramref name="layout"/> to <paramref name="output"/> (a seekable stream), asking
    /// <paramref name="produce"/> for each tensor in turn and disposing it once written. <paramref name="metadata"/>
    /// is stored where the format has room for it (safetensors <c>__metadata__</c>).
    /// </summary>
    void Write(Stream output, IReadOnlyList<TensorInfo> layout, Func<TensorInfo, torch.Tensor> produce,
        IReadOnlyDictionary<string, string> metadata);
}
