using TorchSharp;

namespace Soups.Checkpoints;

/// <summary>Writes a checkpoint tensor by tensor; the layout is known up front, the data is pulled lazily.</summary>
public interface ICheckpointWriter
{
    /// <summary>
    /// Writes <paramref name="layout"/> to <paramref name="output"/> (a seekable stream), asking
    /// <paramref name="produce"/> for each tensor's bytes in turn and disposing them once written.
    /// <paramref name="metadata"/> is stored where the format has room for it (safetensors <c>__metadata__</c>). When
    /// <paramref name="finalMetadata"/> is given, it is asked after the last tensor and its answer stored instead: it
    /// must have the same keys and values of the same UTF-8 lengths as <paramref name="metadata"/> (a recipe whose
    /// input hashes were computed while the tensors were made, issue #12), so the header keeps its size.
    /// </summary>
    void Write(Stream output, IReadOnlyList<TensorInfo> layout, Func<TensorInfo, TensorBytes> produce,
        IReadOnlyDictionary<string, string> metadata, Func<IReadOnlyDictionary<string, string>>? finalMetadata = null);

    /// <summary>
    /// Throws <see cref="OutputException"/> (<see cref="OutputProblem.TooLarge"/>) when <paramref name="layout"/> and
    /// <paramref name="metadata"/> are more than the format can hold (a safetensors header over its readers' limit), so
    /// that callers refuse before making any tensor. <see cref="Write"/> refuses the same, once the header is built.
    /// </summary>
    void RequireFits(string path, IReadOnlyList<TensorInfo> layout, IReadOnlyDictionary<string, string> metadata)
    {
    }
}

/// <summary>Writing CPU tensors.</summary>
public static class CheckpointWriterExtensions
{
    /// <summary><see cref="ICheckpointWriter.Write"/> from contiguous CPU tensors, each disposed once written.</summary>
    public static void Write(this ICheckpointWriter writer, Stream output, IReadOnlyList<TensorInfo> layout,
        Func<TensorInfo, torch.Tensor> produce, IReadOnlyDictionary<string, string> metadata) =>
        writer.Write(output, layout, info => TensorBytes.Of(produce(info)), metadata);
}
