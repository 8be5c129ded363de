using Soups.Checkpoints;
using Soups.Models;
using Soups.Souping;
using TorchSharp;

namespace Soups.Evaluation;

/// <summary>
/// Scores checkpoints and in-memory soups with one model, reusing cached results for checkpoints whose content,
/// split and model are unchanged (issue #3).
/// </summary>
public sealed class SoupEvaluator : IDisposable
{
    private readonly IModelFamily _family;
    private readonly int _batchSize;

    /// <summary>Builds the model for checkpoints laid out as <paramref name="layout"/>.</summary>
    public SoupEvaluator(IModelFamily family, IReadOnlyList<TensorInfo> layout, torch.Device device, int batchSize,
        EvaluationCache cache)
    {
        _family = family;
        _batchSize = batchSize;
        Cache = cache;
        Model = family.Create(layout, device);
        WeightLoading.RequireMatch(Model, layout, "checkpoints");
    }

    /// <summary>Examples per forward pass.</summary>
    public int BatchSize => _batchSize;

    /// <summary>The model all scores come from.</summary>
    public IModel Model { get; }

    /// <summary>The results cache in use.</summary>
    public EvaluationCache Cache { get; }

    /// <summary>Progress of each evaluation pass, if anyone listens.</summary>
    public IProgress<StepProgress>? Progress { get; set; }

    /// <summary>Scores a checkpoint file on <paramref name="split"/>, from the cache when possible.</summary>
    public EvalResult Score(ICheckpointReader checkpoint, IHeldOutSplit split, CancellationToken cancellation = default)
    {
        var (sha, size, modified) = ContentHash.Of(checkpoint.Path, Cache);
        if (Cache.Find(sha, split.Fingerprint, _family.Identity) is { } hit)
            return new EvalResult(hit.Accuracy, hit.Loss, hit.Count, hit.Correct) { Cached = true };
        WeightLoading.Load(Model, checkpoint);
        var result = new Evaluator(Model, split, _batchSize).Run(Progress, cancellation);
        Cache.Add(new EvaluationRecord(Path.GetFullPath(checkpoint.Path), sha, size, modified, split.Fingerprint,
            _family.Identity, result.Accuracy, result.Loss, result.Count, result.Correct, DateTimeOffset.UtcNow,
            "soup " + ToolVersion.Text));
        return result;
    }

    /// <summary>Scores in-memory weights (a candidate soup); never cached.</summary>
    public EvalResult Score(IReadOnlyDictionary<string, torch.Tensor> state, string label, IHeldOutSplit split,
        CancellationToken cancellation = default)
    {
        WeightLoading.Load(Model, state, label);
        return new Evaluator(Model, split, _batchSize).Run(Progress, cancellation);
    }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
