using Soups.Checkpoints;

namespace Soups.Inspection;

/// <summary>What <c>soup inspect</c> reports for one checkpoint; computed from the index alone, no tensor is read.</summary>
/// <param name="Path">The file named.</param>
/// <param name="Format">Its format.</param>
/// <param name="TensorCount">Tensors in the weights.</param>
/// <param name="ParameterCount">Floating-point elements.</param>
/// <param name="ElementCount">All elements.</param>
/// <param name="Bytes">Bytes of tensor data.</param>
/// <param name="DTypeCounts">Tensors per dtype.</param>
/// <param name="WeightsKey">Where in the file the weights were found (empty: the top level).</param>
/// <param name="LeftOut">What the file holds beside the weights.</param>
/// <param name="ForeignGlobals">Globals outside the allow-list named by its pickle (kept inert, never run).</param>
/// <param name="UnsafeGlobals">Those that only an attack names: every other command refuses the file.</param>
public sealed record CheckpointSummary(string Path, string Format, int TensorCount, long ParameterCount, long ElementCount,
    long Bytes, IReadOnlyDictionary<string, int> DTypeCounts, string WeightsKey, IReadOnlyList<string> LeftOut,
    IReadOnlyList<string> ForeignGlobals, IReadOnlyList<string> UnsafeGlobals)
{
    /// <summary>The file's text metadata (safetensors <c>__metadata__</c>), whole; printers shorten long values.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>Summarises an open checkpoint.</summary>
    public static CheckpointSummary Of(ICheckpointReader reader) => new(
        reader.Path,
        reader.Format,
        reader.Tensors.Count,
        reader.Tensors.Where(t => t.IsFloatingPoint).Sum(t => t.ElementCount),
        reader.Tensors.Sum(t => t.ElementCount),
        reader.Tensors.Sum(t => t.ByteCount),
        reader.Tensors.GroupBy(t => DTypes.Name(t.DType)).OrderBy(g => g.Key)
            .ToDictionary(g => g.Key, g => g.Count()),
        reader.WeightsKey,
        reader.LeftOut,
        reader.ForeignGlobals,
        reader.UnsafeGlobals) { Metadata = reader.Metadata };
}
