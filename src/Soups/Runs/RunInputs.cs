using Soups.Baking;
using Soups.Evaluation;
using Soups.FileSystem;
using Soups.Ingredients;
using Soups.Models;
using Soups.Strategies;
using TorchSharp;

namespace Soups.Runs;

/// <summary>
/// Everything a run reads, opened and checked before any work or output (issue #8): the ingredients (and base), the
/// device, and when evaluating the model, the splits (one example of each run through the model) and the results
/// files. Every file read is recorded by identity, so that no output can be one of them.
/// </summary>
public sealed class RunInputs : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    private RunInputs(IngredientSet ingredients, ComputeTarget target)
    {
        Ingredients = ingredients;
        Target = target;
        _owned.Add(ingredients);
    }

    /// <summary>The ingredients and the base.</summary>
    public IngredientSet Ingredients { get; }

    /// <summary>Where tensors are mixed and models run (loads libtorch on first use).</summary>
    public torch.Device Device => Target.Device;

    /// <summary>Where tensors are mixed and models run, known without loading libtorch.</summary>
    public ComputeTarget Target { get; }

    /// <summary>Scores weights (when evaluating).</summary>
    public Evaluator? Evaluator { get; private set; }

    /// <summary>The held-out split (when evaluating).</summary>
    public IHeldOutSplit? HeldOut { get; private set; }

    /// <summary>The test splits (when evaluating).</summary>
    public IReadOnlyList<NamedSplit> Tests { get; private set; } = [];

    /// <summary>Every file read, by identity.</summary>
    public InputGuard Guard { get; } = new();

    /// <summary>
    /// Opens the inputs. <paramref name="outputs"/> are the files the run will write: each is refused if it is one of
    /// the inputs. <paramref name="requireCompatible"/> checks that the ingredients (and base) share names, shapes, dtypes.
    /// </summary>
    public static RunInputs Open(IngredientRequest ingredients, EvaluationRequest? evaluation, ComputeRequest compute,
        IEnumerable<string> outputs, RunObserver observer, bool requireCompatible = true)
    {
        ComputeDevice.SetThreads(compute.Threads);
        var device = ComputeDevice.Target(compute.Device);
        var family = evaluation is null ? null : KnownModels.Resolve(evaluation.Model, Precision(evaluation.Precision));
        var set = IngredientSet.Open(ingredients.Paths, ingredients.Read, ingredients.Base);
        var inputs = new RunInputs(set, device);
        try
        {
            if (requireCompatible) set.RequireCompatible();
            foreach (var reader in set.Readers) inputs.Guard.Add("checkpoint", reader.Files);
            if (set.Base != null) inputs.Guard.Add("base", set.Base.Files);
            if (evaluation != null) inputs.OpenEvaluation(evaluation, family!, ingredients, compute.Threads, observer);
            foreach (var output in outputs) inputs.Guard.RequireNotAnInput(output);
            Describe(set, observer);
            inputs.DescribeSplits(observer);
            if (inputs.HeldOut != null) observer.Info?.Invoke($"Held-out split: {inputs.HeldOut.Description}");
            return inputs;
        }
        catch
        {
            inputs.Dispose();
            throw;
        }
    }

    private readonly Dictionary<Checkpoints.ICheckpointReader, string> _hashes = new(ReferenceEqualityComparer.Instance);

    /// <summary>The SHA-256 of a checkpoint's content (through the evaluator's memory and results files when evaluating).</summary>
    public string Sha256Of(Checkpoints.ICheckpointReader checkpoint)
    {
        if (Evaluator != null) return Evaluator.HashOf(checkpoint).Sha256;
        lock (_hashes)
            if (_hashes.TryGetValue(checkpoint, out var known)) return known;
        var hash = ContentHash.Of(checkpoint, EvaluationCache.None).Sha256;
        lock (_hashes) _hashes[checkpoint] = hash;
        return hash;
    }

    /// <summary>
    /// Hashes every ingredient (and the base) not hashed yet, files in parallel on the CPU threads (issue #12: a recipe
    /// hashes all inputs before the soup's header can be written). When evaluating, the evaluator already knows them.
    /// </summary>
    public void HashInputs(CancellationToken cancellation = default)
    {
        if (Evaluator != null) return;
        List<Checkpoints.ICheckpointReader> missing;
        lock (_hashes) missing = Ingredients.All.Where(r => !_hashes.ContainsKey(r)).ToList();
        var hashes = new string[missing.Count];
        Threads.For(0, missing.Count, Threads.Count, i =>
        {
            cancellation.ThrowIfCancellationRequested();
            hashes[i] = ContentHash.Of(missing[(int)i], EvaluationCache.None).Sha256;
        });
        lock (_hashes)
            for (var i = 0; i < missing.Count; i++) _hashes[missing[i]] = hashes[i];
    }

    /// <summary>Takes the hashes <see cref="HashCache"/> remembers for unchanged single-file inputs (nothing is read but its entries).</summary>
    public void RecallHashes()
    {
        if (Evaluator != null) return;
        lock (_hashes)
            foreach (var reader in Ingredients.All.Where(r => !_hashes.ContainsKey(r) && r.Files.Count == 1))
                if (HashCache.Known(Path.GetFullPath(reader.Files[0])) is { } known) _hashes[reader] = known;
    }

    /// <summary>True when every ingredient's (and the base's) hash is known without reading them again.</summary>
    public bool InputsHashed => Evaluator != null || Ingredients.All.All(_hashes.ContainsKey);

    /// <summary>
    /// <see cref="HashInputs"/> on a worker thread, beside the mixing (issue #12: the recipe's input hashes need not
    /// hold the soup back when its header is written last). Stops between files when <paramref name="cancellation"/> fires.
    /// </summary>
    public Task HashInputsInBackground(CancellationToken cancellation) => Task.Run(() => HashInputs(cancellation), CancellationToken.None);

    /// <summary>
    /// A checkpoint as a recipe records it: file name, content hash, weights key, and its own recipe if it is a soup.
    /// With <paramref name="pendingHash"/> the hash is a placeholder of the same length (64 zeros), for sizing a header.
    /// </summary>
    public RecipeInput RecipeInputOf(Checkpoints.ICheckpointReader checkpoint, bool pendingHash = false)
    {
        // A nested recipe is parsed once, though the recipe is made twice (sized with placeholder hashes, then final):
        // with per-tensor weights over a million tensors it is tens of MB of JSON.
        Recipe? nested;
        lock (_recipes)
            if (!_recipes.TryGetValue(checkpoint, out nested)) _recipes[checkpoint] = nested = Recipe.Of(checkpoint);
        return new(Path.GetFileName(checkpoint.Path), pendingHash ? PendingHash : Sha256Of(checkpoint),
            checkpoint.WeightsKey.Length == 0 ? null : checkpoint.WeightsKey, nested);
    }

    private readonly Dictionary<Checkpoints.ICheckpointReader, Recipe?> _recipes = new(ReferenceEqualityComparer.Instance);

    /// <summary>The placeholder for a hash not computed yet: as long as a SHA-256 in hex.</summary>
    public static readonly string PendingHash = new('0', 64);

    /// <summary>A plan context over these inputs.</summary>
    public PlanContext PlanContext(RunObserver observer, CancellationToken cancellation) =>
        new(Ingredients, Target, Evaluator, HeldOut, Tests, cancellation)
        {
            OnNote = observer.Info, OnStep = observer.Step, OnWarning = observer.Warning, Progress = observer.Progress,
        };

    /// <summary>Throws unless <paramref name="ingredients"/> and <paramref name="evaluation"/> give <paramref name="strategy"/> what it needs.</summary>
    public static void RequireNeedsOf(ISoupStrategy strategy, IngredientRequest ingredients, EvaluationRequest? evaluation)
    {
        var (min, max) = strategy.IngredientCount;
        var count = ingredients.Paths.Count;
        if (count < min || count > max)
            throw new UsageException(min == max
                ? $"the {strategy.Name} strategy takes exactly {min} checkpoints, not {count}"
                : $"the {strategy.Name} strategy takes at least {min} checkpoints, not {count}");
        if (strategy.Needs.HasFlag(StrategyNeeds.Base) && ingredients.Base is null)
            throw new StrategyNeedsException(strategy.Name, StrategyNeeds.Base, $"the {strategy.Name} strategy needs the pretrained base checkpoint");
        if (strategy.Needs.HasFlag(StrategyNeeds.HeldOut) && evaluation is null)
            throw new StrategyNeedsException(strategy.Name, StrategyNeeds.HeldOut, $"the {strategy.Name} strategy needs a model and a held-out split");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var item in Enumerable.Reverse(_owned)) item.Dispose();
        _owned.Clear();
    }

    private void OpenEvaluation(EvaluationRequest request, IModelFamily family, IngredientRequest ingredients, int threads,
        RunObserver observer)
    {
        var allowUnsafe = ingredients.Read.AllowUnsafeGlobals;
        HeldOut = HeldOutSplits.Open(request.HeldOut, request.Preprocess, request.Subset, threads, allowUnsafe);
        _owned.Add(HeldOut);
        var tests = new List<NamedSplit>();
        foreach (var (name, path) in request.Tests ?? [])
        {
            var split = HeldOutSplits.Open(path, request.Preprocess, null, threads, allowUnsafe);
            _owned.Add(split);
            tests.Add(new NamedSplit(name, split));
        }
        Tests = tests;
        Guard.Add("held-out split", HeldOut.Files);
        foreach (var test in tests) Guard.Add($"test split {test.Name}", test.Split.Files);
        Guard.Add("model", family.Files);
        var results = request.ResultsFiles ?? [];
        foreach (var file in results) Guard.RequireNotAnInput(file);
        var cache = results.Count == 0 ? EvaluationCache.None : new EvaluationCache(results);
        Evaluator = new Evaluator(family, Ingredients.Layout, Device, request.BatchSize, cache, ingredients.Read)
        {
            OnWarning = observer.Warning,
            Progress = observer.Progress,
        };
        _owned.Add(Evaluator);
        Evaluator.Probe(HeldOut);
        foreach (var test in tests) Evaluator.Probe(test.Split);
    }

    // Where each file's weights were found and what was left out (verbose), and pickles that name code torch.load would
    // run (read only because the read options allowed them).
    private static void Describe(IngredientSet set, RunObserver observer)
    {
        foreach (var reader in set.All)
        {
            var where = reader.WeightsKey.Length == 0 ? "the top level" : $"key '{reader.WeightsKey}'";
            observer.Detail?.Invoke($"{reader.Path}: {reader.Tensors.Count} tensors at {where} ({reader.Format})" +
                                    (reader.LeftOut.Count == 0 ? "" : "; left out: " + string.Join(", ", reader.LeftOut)));
            if (reader.UnsafeGlobals.Count > 0) WarnUnsafe(reader.Path, reader.UnsafeGlobals, "weights", observer);
        }
    }

    // Splits saved by torch.save carry pickles too: allowed unsafe ones are named like the checkpoints'.
    private void DescribeSplits(RunObserver observer)
    {
        var splits = Tests.Select(t => t.Split);
        foreach (var split in HeldOut is null ? splits : splits.Prepend(HeldOut))
            if (split.UnsafeGlobals.Count > 0) WarnUnsafe(split.Files[0], split.UnsafeGlobals, "tensors", observer);
    }

    private static void WarnUnsafe(string path, IReadOnlyList<string> globals, string what, RunObserver observer) =>
        observer.Warning?.Invoke($"{path}: its pickle names {string.Join(", ", globals)}, which torch.load would run; " +
                                 $"soup read only the {what} and ran nothing");

    private static torch.ScalarType Precision(string name) => name switch
    {
        "fp32" => torch.ScalarType.Float32,
        "fp16" => torch.ScalarType.Float16,
        "bf16" => torch.ScalarType.BFloat16,
        _ => throw new OptionException("precision", $"unknown precision '{name}' (choose fp32, fp16 or bf16)"),
    };
}
