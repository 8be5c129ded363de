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

    /// <summary>
    /// Reads elements [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) of the tensor in
    /// row-major order, as a new 1-D CPU tensor: merges that need every ingredient at once work through a tensor in
    /// such slices, so memory holds N slices, not N tensors. Formats that store tensors contiguously read just those bytes.
    /// </summary>
    torch.Tensor ReadRange(string name, long start, long count)
    {
        using var whole = Read(name);
        using var flat = whole.view(-1);
        using var range = flat.narrow(0, start, count);
        return range.clone();
    }

    /// <summary>
    /// True when <see cref="ReadRaw"/> can copy the tensor's stored bytes straight into caller memory (it is stored
    /// contiguously, little-endian): merges on the CPU then read into reused buffers with no tensor per read (issue #12).
    /// </summary>
    bool CanReadRaw(string name) => false;

    /// <summary>
    /// Copies the stored bytes of elements [<paramref name="start"/>, <paramref name="start"/> + n) of the tensor, in
    /// its stored dtype, into <paramref name="destination"/> (n = its length / the element size). Only where
    /// <see cref="CanReadRaw"/> says so.
    /// </summary>
    void ReadRaw(string name, long start, Span<byte> destination) =>
        throw new NotSupportedException($"{Path}: '{name}' cannot be read as raw bytes");

    /// <summary>Every file this checkpoint is read from (an index and its shards; otherwise just <see cref="Path"/>).</summary>
    IReadOnlyList<string> Files => [Path];

    /// <summary>Where inside the file the weights were found (e.g. key <c>state_dict</c>); empty for the whole file.</summary>
    string WeightsKey => "";

    /// <summary>What the file holds beside the weights and was left out (e.g. <c>epoch (int)</c>), for <c>inspect</c> and logs.</summary>
    IReadOnlyList<string> LeftOut => [];

    /// <summary>Text metadata stored with the weights (safetensors <c>__metadata__</c>, in file order); empty for other formats.</summary>
    IReadOnlyDictionary<string, string> Metadata => new Dictionary<string, string>();

    /// <summary>Globals outside the allow-list named by the file's pickle (kept as inert placeholders, never run).</summary>
    IReadOnlyList<string> ForeignGlobals => [];

    /// <summary>
    /// Those of <see cref="ForeignGlobals"/> that only an attack names, which <c>torch.load</c> would run; a reader holds
    /// any only when <see cref="ReadOptions.AllowUnsafeGlobals"/> let it open the file.
    /// </summary>
    IReadOnlyList<string> UnsafeGlobals => [];
}
