using System.Diagnostics;
using Soups.Baking;
using Soups.Evaluation;
using Soups.FileSystem;
using Soups.Strategies;
using Soups.Strategies.BuiltIn;

namespace Soups.Runs;

/// <summary>
/// The researcher's side-by-side (issues #4, #9): every ingredient, the best individual, a soup for every registered
/// strategy variant whose needs the inputs meet (each written to the folder), and the ensemble baselines, each scored on
/// the held-out split and every test split, with its inference cost in forward passes. The rows come from
/// <see cref="KnownStrategies"/>: a new strategy is compared without touching this class.
/// </summary>
public static class ComparisonRun
{
    /// <summary>The output ensemble (mean logits of every ingredient).</summary>
    public const string Ensemble = "ensemble";

    /// <summary>The greedy ensemble (the greedy rule applied to ensemble membership).</summary>
    public const string GreedyEnsemble = "greedy-ensemble";

    /// <summary>Every method name a comparison of <paramref name="strategies"/> knows, in report order: their variants, then the ensembles.</summary>
    public static IReadOnlyList<string> MethodsOf(IReadOnlyList<ISoupStrategy> strategies) =>
        [.. strategies.SelectMany(s => s.Variants).Select(v => v.Name), Ensemble, GreedyEnsemble];

    /// <summary>Runs the comparison.</summary>
    public static ComparisonResult Execute(ComparisonRequest request, RunObserver observer, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var known = MethodsOf(request.Strategies);
        var unknown = (request.Methods ?? []).Where(m => !known.Contains(m)).ToList();
        if (unknown.Count > 0)
            throw new OptionException("strategies", $"unknown {string.Join(", ", unknown)} (choose from {string.Join(", ", known)})");
        var variants = request.Strategies.SelectMany(s => s.Variants.Select(v => (Strategy: s, Variant: v)))
            .Where(x => request.Methods?.Contains(x.Variant.Name) ?? (!x.Variant.OnlyWhenNamed && Applies(x.Strategy, request)))
            .ToList();
        var soupPaths = variants.ToDictionary(x => x.Variant.Name, x => Path.Combine(request.Folder, $"{x.Variant.Name}.safetensors"));
        if (Directory.Exists(request.Folder)) // else it is made once every input has been checked
            foreach (var path in soupPaths.Values.Concat(request.OtherOutputs)) AtomicFile.RequireWritable(path, request.Overwrite);
        foreach (var strategy in request.Settings.Keys.Where(s => !request.Strategies.Contains(s)))
            throw new UsageException($"settings were given for {strategy.Name}, which is not among the strategies compared");
        var values = variants.Select(x => x.Variant.Apply(request.SettingsOf(x.Strategy))).ToList(); // every setting checked up front
        foreach (var (strategy, _) in variants) RunInputs.RequireNeedsOf(strategy, request.Ingredients, request.Evaluation);

        using var inputs = RunInputs.Open(request.Ingredients, request.Evaluation, request.Compute,
            soupPaths.Values.Concat(request.OtherOutputs), observer);
        var madeFolder = !Directory.Exists(request.Folder);
        Directory.CreateDirectory(request.Folder);
        try
        {
            return Compare(request, inputs, variants, values, soupPaths, observer, cancellation, clock);
        }
        catch when (madeFolder)
        {
            // Nothing was published into a folder this run made: it goes too.
            if (!Directory.EnumerateFileSystemEntries(request.Folder).Any()) Directory.Delete(request.Folder);
            throw;
        }
    }

    // The soups and the reports are published together once everything is scored (see OutputSet).
    private static ComparisonResult Compare(ComparisonRequest request, RunInputs inputs,
        List<(ISoupStrategy Strategy, StrategyVariant Variant)> variants, List<ParameterValues> values,
        Dictionary<string, string> soupPaths, RunObserver observer, CancellationToken cancellation, Stopwatch clock)
    {
        using var outputs = new OutputSet();
        var baselines = new Baselines(inputs, cancellation);
        var count = inputs.Ingredients.Count;
        var ingredientRows = inputs.Ingredients.Readers.Select((r, k) =>
        {
            observer.Progress?.Report(new StepProgress(Phases.Ingredients, k, count, Phases.IngredientsDetail(k, count, 0)));
            var row = baselines.Checkpoint(Path.GetFileName(r.Path), "individual", r);
            observer.Info?.Invoke($"{r.Path}: held-out {Percent.Sign(row.HeldOut.Accuracy)}");
            return row;
        }).ToList();
        var accuracies = ingredientRows.Select(r => r.HeldOut.Accuracy).ToList();
        var best = ingredientRows[GreedyOrder.Of(accuracies)[0]];
        var rows = new List<ScoreRow> { best with { Name = $"best individual ({best.Name})" } };
        var soups = new Dictionary<string, SoupRunResult>();

        for (var i = 0; i < variants.Count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var (strategy, variant) = variants[i];
            observer.Progress?.Report(new StepProgress(Phases.Ingredients, count, count, Phases.IngredientsDetail(count, count, 0)));
            observer.Progress?.Report(new StepProgress("methods", i, variants.Count, $"methods {i}/{variants.Count}: {variant.Name}"));
            observer.Info?.Invoke($"running {variant.Name}");
            var soupClock = Stopwatch.StartNew();
            var context = inputs.PlanContext(observer, cancellation);
            using var plan = strategy.Plan(context, values[i]);
            var output = new SoupOutput(soupPaths[variant.Name], Overwrite: request.Overwrite);
            var recipe = Recipe.Fits(output) ? Recipe.For(strategy, values[i], plan, inputs, output, request.Ingredients.Read) : null;
            var baked = new SoupBaker(inputs.Target).Bake(inputs.Ingredients, plan.Merge, output, SoupRun.Metadata(plan, inputs.Ingredients, recipe),
                observer.Progress, cancellation, into: outputs);
            var soupRequest = new SoupRunRequest(strategy, values[i], request.Ingredients, request.Evaluation, request.Compute, output);
            soups[variant.Name] = SoupRun.Describe(soupRequest, inputs.Ingredients, plan, baked, null,
                context.Warnings.Concat(baked.Warnings).Distinct().ToList(), soupClock.Elapsed);
            using var reader = Checkpoints.KnownCheckpointFormats.Open(baked.ReadFrom, Checkpoints.ReadOptions.Default with { StripPrefix = "" });
            rows.Add(baselines.Checkpoint(plan.Label, "soup", reader));
        }

        observer.Progress?.Report(new StepProgress("methods", variants.Count, variants.Count, $"methods {variants.Count}/{variants.Count}"));
        IReadOnlyList<string> greedyMembers = [];
        var wanted = request.Methods ?? [Ensemble, GreedyEnsemble];
        if (wanted.Contains(Ensemble) || wanted.Contains(GreedyEnsemble))
        {
            observer.Info?.Invoke("running the ensembles");
            // The greedy ensemble keeps an ingredient by the greedy soup's rule.
            var accept = request.SettingsOf(KnownStrategies.Greedy).Get(GreedySoup.Accept);
            var ensembles = new EnsembleScorer(inputs.Evaluator!.Model, inputs.Evaluator.BatchSize).Run(inputs.Ingredients, accuracies,
                inputs.HeldOut!, inputs.Tests.Select(t => (t.Name, t.Split)).ToList(), accept, cancellation);
            if (wanted.Contains(Ensemble)) rows.Add(ensembles.Uniform);
            if (wanted.Contains(GreedyEnsemble)) rows.Add(ensembles.Greedy);
            greedyMembers = ensembles.GreedyMembers;
        }
        var result = new ComparisonResult(inputs.HeldOut!.Description, inputs.Tests.Select(t => t.Name).ToList(), rows, ingredientRows,
            soups, greedyMembers, ToolVersion.Text, Math.Round(clock.Elapsed.TotalSeconds, 1));
        if (request.Reports is { } reports)
            foreach (var (path, bytes) in reports(result)) outputs.Add(path, request.Overwrite, bytes);
        cancellation.ThrowIfCancellationRequested();
        outputs.Publish();
        return result;
    }

    // Without an explicit list, a strategy joins when the inputs meet its needs (a base for those that want one).
    private static bool Applies(ISoupStrategy strategy, ComparisonRequest request)
    {
        if (strategy.Needs.HasFlag(StrategyNeeds.Base) && request.Ingredients.Base is null) return false;
        var (min, max) = strategy.IngredientCount;
        return request.Ingredients.Paths.Count >= min && request.Ingredients.Paths.Count <= max;
    }
}
