using System.Diagnostics;
using System.Text.Json;
using Soups.Baking;
using Soups.FileSystem;
using Soups.Ingredients;
using Soups.Strategies;

namespace Soups.Runs;

/// <summary>
/// One soup, from request to file: open and check every input → let the strategy plan → bake its merge one tensor
/// at a time → score the soup beside the baselines (when evaluating) → write the report. The same course for every
/// strategy (issue #9). The soup, its report and its pictures are published together (<see cref="OutputSet"/>): they
/// always describe the same run, and a failure on any of them leaves none.
/// </summary>
public static class SoupRun
{
    /// <summary>Runs <paramref name="request"/>.</summary>
    public static SoupRunResult Execute(SoupRunRequest request, RunObserver observer, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var output = request.Output;
        AtomicFileChecks(request);
        RunInputs.RequireNeedsOf(request.Strategy, request.Ingredients, request.Evaluation);
        using var inputs = RunInputs.Open(request.Ingredients, request.Evaluation, request.Compute,
            [output.Path, request.ReportPath, .. request.PlotPaths.Values], observer);

        var context = inputs.PlanContext(observer, cancellation);
        using var plan = request.Strategy.Plan(context, request.Parameters);
        if (!plan.Complete)
        {
            // One share of a job array: its work is in the results file; the final run bakes (and reports).
            foreach (var warning in context.Untold) observer.Warning?.Invoke(warning);
            return Describe(request, inputs.Ingredients, plan, null, null, context.Warnings, clock.Elapsed);
        }
        using var outputs = new OutputSet();
        var baked = Bake(request, inputs, plan, observer, outputs, cancellation);
        var warnings = context.Warnings.Concat(baked.Warnings).Distinct().ToList();
        foreach (var warning in baked.Warnings) observer.Warning?.Invoke(warning);

        IReadOnlyList<Evaluation.ScoreRow>? scores = null;
        if (inputs.Evaluator != null)
        {
            observer.Info?.Invoke($"Scoring {Baselines.What(plan.Label, plan.IsUniform)}");
            scores = new Baselines(inputs, cancellation, observer.Progress).Around(plan.Label, baked.ReadFrom, plan.IsUniform);
        }
        var result = Describe(request, inputs.Ingredients, plan, baked, scores, warnings, clock.Elapsed);
        outputs.Add(request.ReportPath, output.Overwrite, ReportFile.Serialize(result) + "\n");
        if (request.RenderPlot is { } render)
            foreach (var picture in result.Details.Plots())
                if (request.PlotPaths.TryGetValue(picture.Name, out var path)) outputs.Add(path, output.Overwrite, render(picture));
        cancellation.ThrowIfCancellationRequested();
        outputs.Publish();
        return result;
    }

    /// <summary>The result record of a baked plan.</summary>
    public static SoupRunResult Describe(SoupRunRequest request, IngredientSet ingredients, SoupPlan plan, BakeResult? baked,
        IReadOnlyList<Evaluation.ScoreRow>? scores, IReadOnlyList<string> warnings, TimeSpan elapsed)
    {
        var weights = plan.Weights is { } w ? WeightedMean.Normalise(w) : null;
        return new SoupRunResult(
            plan.Strategy,
            baked is null ? null : new OutputReport(baked.Path, baked.Format, baked.Sha256, baked.Bytes, baked.TensorCount, baked.ParameterCount),
            ingredients.Readers.Select((r, i) => new IngredientReport(r.Path, weights?[i])).ToList(),
            ingredients.Base?.Path,
            request.Parameters.ToJson(request.Strategy.Parameters),
            plan.Result,
            scores,
            warnings,
            ToolVersion.Text,
            Math.Round(elapsed.TotalSeconds, 3)) { Label = plan.Label };
    }

    /// <summary>What the soup's file records of how it was made.</summary>
    public static Dictionary<string, string> Metadata(SoupPlan plan, IngredientSet ingredients, Recipe? recipe = null)
    {
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["soup.strategy"] = plan.Strategy,
            ["soup.ingredients"] = JsonSerializer.Serialize(ingredients.Readers.Select(r => Path.GetFileName(r.Path)).ToArray()),
        };
        if (plan.Weights is { } weights) metadata["soup.weights"] = JsonSerializer.Serialize(WeightedMean.Normalise(weights));
        metadata["soup.tool"] = "soup " + ToolVersion.Text;
        if (ingredients.Base != null) metadata["soup.base"] = Path.GetFileName(ingredients.Base.Path);
        if (plan.PerTensorWeights) metadata["soup.per_tensor_weights"] = "true";
        if (recipe != null) metadata[Recipe.MetadataKey] = recipe.ToJson();
        return metadata;
    }

    // Only safetensors stores metadata: other formats are not hashed for a recipe they cannot hold. Inputs not hashed
    // yet are hashed beside the mixing, and the header, sized with placeholder hashes of the same length, is written
    // last (issue #12).
    private static BakeResult Bake(SoupRunRequest request, RunInputs inputs, SoupPlan plan, RunObserver observer, OutputSet outputs,
        CancellationToken cancellation)
    {
        var output = request.Output;
        var baker = new SoupBaker(inputs.Target);
        Recipe RecipeOf(bool pending) => Recipe.For(request.Strategy, request.Parameters, plan, inputs, output, request.Ingredients.Read, pending);
        if (Recipe.Fits(output)) inputs.RecallHashes();
        if (!Recipe.Fits(output) || inputs.InputsHashed)
        {
            var known = Recipe.Fits(output) ? RecipeOf(pending: false) : null;
            return baker.Bake(inputs.Ingredients, plan.Merge, output, Metadata(plan, inputs.Ingredients, known), observer.Progress, cancellation,
                into: outputs);
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var hashing = inputs.HashInputsInBackground(stop.Token);
        try
        {
            return baker.Bake(inputs.Ingredients, plan.Merge, output, Metadata(plan, inputs.Ingredients, RecipeOf(pending: true)),
                observer.Progress, cancellation, finalMetadata: () =>
                {
                    hashing.GetAwaiter().GetResult();
                    return Metadata(plan, inputs.Ingredients, RecipeOf(pending: false));
                }, outputs);
        }
        finally
        {
            // A failed or stopped bake leaves no hashing running behind it.
            stop.Cancel();
            try
            {
                hashing.Wait(CancellationToken.None);
            }
            catch (AggregateException)
            {
                // Its error, if the bake got that far, was already thrown by the final metadata.
            }
        }
    }

    // The soup and its report must be writable before any work starts.
    private static void AtomicFileChecks(SoupRunRequest request)
    {
        Checkpoints.KnownCheckpointFormats.ForOutput(request.Output.Path, request.Output.Format);
        AtomicFile.RequireWritable(request.Output.Path, request.Output.Overwrite);
        var besides = request.PlotPaths.Values.Prepend(request.ReportPath).ToList();
        foreach (var beside in besides)
        {
            try
            {
                AtomicFile.RequireWritable(beside, request.Output.Overwrite);
            }
            catch (OutputException e) when (e.Problem == OutputProblem.NameTooLong)
            {
                var longest = OutputPath.NameMax(Path.GetDirectoryName(Path.GetFullPath(request.Output.Path))!)
                              - besides.Max(b => b.Length - request.Output.Path.Length);
                throw new OutputException(beside, OutputProblem.NameTooLong,
                    $"{e.Detail}; the soup's report and pictures go beside it under its name plus a suffix, so choose a soup name of at most {longest} bytes");
            }
        }
    }
}
