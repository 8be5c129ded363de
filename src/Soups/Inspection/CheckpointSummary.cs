using Soups.Checkpoints;

namespace Soups.Inspection;

/// <summary>What <c>soup inspect</c> reports for one checkpoint; computed from the index alone, no tensor is read.</summary>
public sealed record CheckpointSummary(string Path, string Format, int TensorCount, long ParameterCount, long ElementCount,
    long Bytes, IReadOnlyDictionary<string, int> DTypeCounts)
{
    /// <summary>Summarises an open checkpoint.</summary>
    public static CheckpointSummary Of(ICheckpointReader reader) => new(
        reader.Path,
        reader.Format,
        reader.Tensors.Count,
        reader.Tensors.Where(t => t.IsFloatingPoint).Sum(t => t.ElementCount),
        reader.Tensors.Sum(t => t.ElementCount),
        reader.Tensors.Sum(t => t.ByteCount),
        reader.Tensors.GroupBy(t => DTypes.Name(t.DType)).OrderBy(g => g.Key)
            .ToDictionary(g => g.Key, g => g.Count()));
}
