using Soups.Checkpoints;
using TorchSharp;

namespace Soups.Evaluation;

/// <summary>
/// A held-out split stored as tensors (safetensors or torch.save): <c>inputs</c> (float, N×...) and <c>labels</c>
/// (int64, N), held in memory.
/// </summary>
public sealed class TensorFileSplit : IHeldOutSplit
{
    private readonly torch.Tensor _inputs;
    private readonly torch.Tensor _labels;

    private TensorFileSplit(string path, torch.Tensor inputs, torch.Tensor labels, string fingerprint, IReadOnlyList<string> files,
        IReadOnlyList<string> unsafeGlobals)
    {
        _inputs = inputs;
        _labels = labels;
        Fingerprint = fingerprint;
        Files = files;
        UnsafeGlobals = unsafeGlobals;
        Description = $"{path} ({labels.shape[0]} examples)";
        InputShape = inputs.shape[1..];
        if (labels.shape[0] > 0)
        {
            using var min = labels.min();
            using var max = labels.max();
            LabelRange = (min.item<long>(), max.item<long>());
        }
    }

    /// <inheritdoc />
    public (long Min, long Max) LabelRange { get; }

    /// <inheritdoc />
    public int Count => (int)_labels.shape[0];

    /// <inheritdoc />
    public string Fingerprint { get; }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public IReadOnlyList<long> InputShape { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> Files { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> UnsafeGlobals { get; }

    /// <summary>
    /// Loads <paramref name="path"/>, keeping the examples <paramref name="mask"/> selects (all when null). Inputs are
    /// converted to float32 (what the models compute in), labels to int64. A torch.save file whose pickle names what
    /// only an attack uses is refused unless <paramref name="allowUnsafeGlobals"/>.
    /// </summary>
    public static TensorFileSplit Open(string path, SubsetMask? mask, string? maskPath = null, bool allowUnsafeGlobals = false)
    {
        using var reader = KnownCheckpointFormats.Open(path,
            ReadOptions.Default with { StripPrefix = "", AllowUnsafeGlobals = allowUnsafeGlobals });
        var byName = reader.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        if (!byName.TryGetValue("inputs", out var inputInfo) || !byName.TryGetValue("labels", out var labelInfo))
            throw new InputException(path, $"a held-out tensor file needs tensors 'inputs' and 'labels' (found: {string.Join(", ", byName.Keys.Take(8))})");
        if (labelInfo.IsFloatingPoint || labelInfo.DType == torch.ScalarType.Bool)
            throw new InputException(path, $"'labels' must be integer class indices, not {DTypes.Name(labelInfo.DType)}");
        if (labelInfo.Shape.Length != 1 || inputInfo.Shape.Length < 2 || inputInfo.Shape[0] != labelInfo.Shape[0])
            throw new InputException(path, "'inputs' must be [examples, ...] and 'labels' [examples] " +
                                           $"(found inputs {inputInfo.ShapeText}, labels {labelInfo.ShapeText})");
        if (inputInfo.DType == torch.ScalarType.Bool)
            throw new InputException(path, "'inputs' are booleans; a model needs numbers");
        using var scope = torch.NewDisposeScope();
        var inputs = reader.Read("inputs").to(torch.float32);
        var labels = reader.Read("labels").to(torch.int64);
        if (mask != null)
        {
            mask.CheckLength(labels.shape[0], path);
            var index = torch.tensor(mask.SelectedIndices.Select(i => (long)i).ToArray());
            inputs = inputs.index_select(0, index);
            labels = labels.index_select(0, index);
        }
        var fingerprint = "tensors:" + FileSystem.FileHash.Sha256(path) + (mask != null ? "+mask:" + mask.Fingerprint : "");
        var files = maskPath is null ? new[] { path } : [path, maskPath];
        return new TensorFileSplit(path, inputs.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(), fingerprint, files,
            reader.UnsafeGlobals);
    }

    /// <inheritdoc />
    public IEnumerable<(torch.Tensor Inputs, torch.Tensor Labels)> Batches(int batchSize)
    {
        for (long start = 0; start < Count; start += batchSize)
        {
            var length = Math.Min(batchSize, Count - start);
            yield return (_inputs.narrow(0, start, length), _labels.narrow(0, start, length));
        }
    }

    /// <inheritdoc />
    public (torch.Tensor Inputs, torch.Tensor Labels) Batch(IReadOnlyList<int> indices)
    {
        using var index = torch.tensor(indices.Select(i => (long)i).ToArray());
        return (_inputs.index_select(0, index), _labels.index_select(0, index));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _inputs.Dispose();
        _labels.Dispose();
    }
}
