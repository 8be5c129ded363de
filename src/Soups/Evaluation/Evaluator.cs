using Soups.Checkpoints;
using Soups.Models;
using TorchSharp;

namespace Soups.Evaluation;

/// <summary>
/// Scores weights — checkpoint files and in-memory soups — on splits with one model: it loads them into the model
/// and runs a <see cref="ModelPass"/>. A checkpoint's score is reused from the results files when its content, the
/// split and the model are unchanged (issue #3), and from memory within one run (so baselines never evaluate an
/// ingredient twice, even without a results file; issue #9).
/// </summary>
public sealed class Evaluator : IDisposable
{
    private readonly IModelFamily _family;
    private readonly int _batchSize;
    private readonly string _prefixRules;

    /// <summary>Builds the model for checkpoints laid out as <paramref name="layout"/>.</summary>
    /// <param name="family">The architecture.</param>
    /// <param name="layout">The checkpoints' tensors.</param>
    /// <param name="device">Where the model runs.</param>
    /// <param name="batchSize">Examples per forward pass.</param>
    /// <param name="cache">Results to reuse and extend.</param>
    /// <param name="readOptions">How checkpoints were read: prefix rules change which tensor the model gets, so they are
    /// part of what identifies a result.</param>
    public Evaluator(IModelFamily family, IReadOnlyList<TensorInfo> layout, torch.Device device, int batchSize,
        EvaluationCache cache, ReadOptions? readOptions = null)
    {
        _family = family;
        _batchSize = batchSize;
        _prefixRules = string.Join(",", (readOptions?.PrefixRules ?? []).Select(r => $"{r.From}={r.To}"));
        Cache = cache;
        Model = family.Create(layout, device);
        WeightLoading.RequireMatch(Model, layout, "checkpoints");
    }

    /// <summary>Examples per forward pass.</summary>
    public int BatchSize => _batchSize;

    /// <summary>The architecture's name and identity, as reports show it.</summary>
    public IModelFamily Family => _family;

    /// <summary>The model all scores come from.</summary>
    public IModel Model { get; }

    /// <summary>The results cache in use.</summary>
    public EvaluationCache Cache { get; }

    /// <summary>Told once per checkpoint or candidate whose loss is not finite (NaN or Inf weights or inputs).</summary>
    public Action<string>? OnWarning { get; set; }

    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Sha256, string Weights, string Split), EvalResult> _memo = [];

    /// <summary>Progress of each evaluation pass, if anyone listens.</summary>
    public IProgress<StepProgress>? Progress { get; set; }

    /// <summary>Checks that <paramref name="split"/>'s examples and labels fit the model (one example, no real work).</summary>
    public void Probe(IHeldOutSplit split) => new ModelPass(Model, split, _batchSize).Probe($"the model {_family.Name}");

    /// <summary>Scores a checkpoint file on <paramref name="split"/>, from memory or the results files when possible.</summary>
    public EvalResult Score(ICheckpointReader checkpoint, IHeldOutSplit split, CancellationToken cancellation = default)
    {
        var (sha, size, modified, stamp) = HashOf(checkpoint);
        var weights = WeightsView(checkpoint);
        if (_memo.TryGetValue((sha, weights, split.Fingerprint), out var known)) return known;
        if (Cache.Find(sha, weights, split.Fingerprint, _family.Identity) is { } hit)
            return _memo[(sha, weights, split.Fingerprint)] = new EvalResult(hit.Accuracy, hit.Loss, hit.Count, hit.Correct) { Cached = true };
        WeightLoading.Load(Model, checkpoint);
        var result = Warn(checkpoint.Path, split, new ModelPass(Model, split, _batchSize).Run(Progress, cancellation));
        Cache.Add(new EvaluationRecord(Path.GetFullPath(checkpoint.Path), sha, size, modified, split.Fingerprint,
            _family.Identity, result.Accuracy, result.Loss, result.Count, result.Correct, DateTimeOffset.UtcNow,
            "soup " + ToolVersion.Text, weights.Length == 0 ? null : weights, stamp));
        return _memo[(sha, weights, split.Fingerprint)] = result;
    }

    /// <summary>Scores in-memory weights (a candidate soup); never cached.</summary>
    public EvalResult Score(IReadOnlyDictionary<string, torch.Tensor> state, string label, IHeldOutSplit split,
        CancellationToken cancellation = default)
    {
        WeightLoading.Load(Model, state, label);
        return Warn(label, split, new ModelPass(Model, split, _batchSize).Run(Progress, cancellation));
    }

    /// <summary>
    /// What identifies a weighted mean of checkpoint files (a subset soup): its members' content hashes, which weights
    /// inside each file, and their normalised weights, in any order. Members of weight 0 are not part of it.
    /// </summary>
    public string MixIdentity(IEnumerable<(ICheckpointReader Checkpoint, double Weight)> members)
    {
        var list = members.Where(m => m.Weight != 0).ToList();
        var total = list.Sum(m => m.Weight);
        var parts = list.Select(m => $"{HashOf(m.Checkpoint).Sha256}|{WeightsView(m.Checkpoint)}|" +
                                     (m.Weight / total).ToString("R", System.Globalization.CultureInfo.InvariantCulture))
            .Order(StringComparer.Ordinal);
        var text = "soup-mix-1\n" + string.Join("\n", parts);
        return "mix:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>
    /// Scores a soup of checkpoint files identified by <paramref name="identity"/> (<see cref="MixIdentity"/>): from
    /// memory or the results files when it was scored before (by this run or a shard of it); otherwise
    /// <paramref name="build"/> makes it, it is scored, disposed and recorded under <paramref name="label"/>.
    /// </summary>
    public EvalResult ScoreMix(string identity, string label, IHeldOutSplit split, Func<Baking.SoupState> build,
        CancellationToken cancellation = default)
    {
        if (_memo.TryGetValue((identity, "", split.Fingerprint), out var known)) return known;
        if (Cache.Find(identity, "", split.Fingerprint, _family.Identity) is { } hit)
            return _memo[(identity, "", split.Fingerprint)] = new EvalResult(hit.Accuracy, hit.Loss, hit.Count, hit.Correct) { Cached = true };
        EvalResult result;
        using (var soup = build())
            result = Score(soup.Tensors, label, split, cancellation);
        Cache.Add(new EvaluationRecord(label, identity, 0, 0, split.Fingerprint, _family.Identity, result.Accuracy, result.Loss,
            result.Count, result.Correct, DateTimeOffset.UtcNow, "soup " + ToolVersion.Text));
        return _memo[(identity, "", split.Fingerprint)] = result;
    }

    private readonly Dictionary<ICheckpointReader, (string Sha256, long Size, long ModifiedUnixMs, string? Stamp)> _hashes =
        new(ReferenceEqualityComparer.Instance);

    /// <summary>The content hash of a checkpoint: computed once per run, or not at all when a results file knows it.</summary>
    public (string Sha256, long Size, long ModifiedUnixMs, string? Stamp) HashOf(ICheckpointReader checkpoint)
    {
        if (!_hashes.TryGetValue(checkpoint, out var hash)) _hashes[checkpoint] = hash = ContentHash.Of(checkpoint, Cache);
        return hash;
    }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();

    private EvalResult Warn(string what, IHeldOutSplit split, EvalResult result)
    {
        if (!double.IsFinite(result.Loss) && _warned.Add(what))
            OnWarning?.Invoke($"{what}: the loss on {split.Description} is {result.Loss} (NaN or Inf in its weights or the inputs?); it ranks last");
        return result;
    }

    // Which weights inside a file were scored: a training checkpoint holds several (state_dict, state_dict_ema).
    private string WeightsView(ICheckpointReader checkpoint) =>
        checkpoint.WeightsKey.Length == 0 && _prefixRules.Length == 0 ? "" : $"key={checkpoint.WeightsKey};map={_prefixRules}";
}
