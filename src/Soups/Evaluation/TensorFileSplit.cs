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

    private TensorFileSplit(string path, torch.Tensor inputs, torch.Tensor labels, string fingerprint)
    {
        _inputs = inputs;
        _labels = labels;
        Fingerprint = fingerprint;
        Description = $"{path} ({labels.shape[0]} examples)";
    }

    /// <inheritdoc />
    public int Count => (int)_labels.shape[0];

    /// <inheritdoc />
    public string Fingerprint { get; }

    /// <inheritdoc />
    public string Description { get; }

    /// <summary>Loads <paramref name="path"/>, keeping the examples <paramref name="mask"/> selects (all when null).</summary>
    public static TensorFileSplit Open(string path, SubsetMask? mask)
    {
        using var reader = KnownCheckpointFormats.Open(path, ReadOptions.Default with { StripPrefix = "" });
        var names = reader.Tensors.Select(t => t.Name).ToHashSet();
        if (!names.Contains("inputs") || !names.Contains("labels"))
            throw new SoupException($"{path}: a held-out tensor file needs tensors 'inputs' and 'labels' (found: {string.Join(", ", names.Take(8))})");
        var inputs = reader.Read("inputs");
        var labels = reader.Read("labels");
        if (!inputs.is_floating_point()) inputs = inputs.to(torch.float32);
        if (labels.dtype is torch.ScalarType.Float32 or torch.ScalarType.Float64 or torch.ScalarType.Float16 or torch.ScalarType.BFloat16 or torch.ScalarType.Bool)
            throw new SoupException($"{path}: 'labels' must be integer class indices, not {labels.dtype}");
        labels = labels.to(torch.int64);
        if (labels.dim() != 1 || inputs.dim() < 1 || inputs.shape[0] != labels.shape[0])
            throw new SoupException($"{path}: 'labels' must be 1-D with one entry per row of 'inputs' (inputs [{string.Join(", ", inputs.shape)}], labels [{string.Join(", ", labels.shape)}])");
        if (mask != null)
        {
            mask.CheckLength(labels.shape[0], path);
            using var index = torch.tensor(mask.SelectedIndices.Select(i => (long)i).ToArray());
            inputs = inputs.index_select(0, index);
            labels = labels.index_select(0, index);
        }
        var fingerprint = "tensors:" + Souping.SoupBaker.Sha256Of(path) + (mask != null ? "+mask:" + mask.Fingerprint : "");
        return new TensorFileSplit(path, inputs, labels, fingerprint);
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
