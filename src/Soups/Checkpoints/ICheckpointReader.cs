using TorchSharp;

namespace Soups.Checkpoints;

/// <summary>
/// An open checkpoint whose tensors are read one at a time, on demand: opening a reader reads only the index
/// (safetensors header, pickle, table of contents), so a soup of N files never holds N checkpoints in memory.
/// </summary>
public interface ICheckpointReader : IDisposable
{
    /// <summary>The file the user named.</summary>
    string Path { get; }

    /// <summary>The format's short name, e.g. <c>safetensors</c>.</summary>
    string Format { get; }

    /// <summary>Tensors in file order, names after any prefix mapping.</summary>
    IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>Reads one tensor into a new contiguous CPU tensor the caller owns.</summary>
    torch.Tensor Read(string name);
}
