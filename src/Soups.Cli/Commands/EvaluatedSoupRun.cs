using System.CommandLine;
using System.Diagnostics;
using Soups.Engine;
using Soups.Evaluation;
using Soups.FileSystem;
using Soups.Models;
using Soups.Souping;
using TorchSharp;

namespace Soups.Cli.Commands;

/// <summary>
/// The shared course of the commands that evaluate (greedy, learned, compare): validate the output, open
/// ingredients, splits and model, then — once a strategy has planned — bake, score against the baselines, and report.
/// </summary>
internal sealed class EvaluatedSoupRun : IDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly SplitList _tests;

    private EvaluatedSoupRun(SoupOutput? target, IngredientSet ingredients, IHeldOutSplit heldOut, SplitList tests,
        SoupEvaluator evaluator, torch.Device device, InputGuard inputs)
    {
        Target = target;
        Ingredients = ingredients;
        HeldOut = heldOut;
        _tests = tests;
        Evaluator = evaluator;
        Device = device;
        Inputs = inputs;
    }

    /// <summary>The soup to write; null for commands that write several (compare).</summary>
    public SoupOutput? Target { get; }

    public IReadOnlyList<(string Name, IHeldOutSplit Split)> Tests => _tests.Splits;

    public int BatchSize => Evaluator.BatchSize;

    public IngredientSet Ingredients { get; }

    public IHeldOutSplit HeldOut { get; }

    public SoupEvaluator Evaluator { get; }

    public torch.Device Device { get; }

    /// <summary>Every file the run reads, by identity: no output may be one of them.</summary>
    public InputGuard Inputs { get; }

    public string ReportPath => SoupReportFile.PathFor(Target!.Path);

    /// <summary>
    /// Validates everything that can be checked before work starts, then opens the inputs and checks that every split
    /// fits the model (one example each), so that a bad input fails before anything is logged or written (issue #8).
    /// </summary>
    public static EvaluatedSoupRun Open(ParseResult parse, CommonOptions common, OutputOptions? output,
        EvaluationOptions evaluation, TestSetOption tests, CommandContext context)
    {
        var paths = common.CheckpointPaths(parse);
        var target = output?.Resolve(parse);
        if (target != null) SoupReportFile.CheckWritable(SoupReportFile.PathFor(target.Path), target.Overwrite);
        var threads = parse.GetValue(common.Threads);
        ComputeDevice.SetThreads(threads);
        var device = ComputeDevice.Resolve(parse.GetValue(common.Device)!);
        var family = evaluation.Family(parse);
        var testSpecs = tests.Parse(parse);
        var batchSize = evaluation.BatchSizeValue(parse);
        var readOptions = common.ReadOptions(parse);

        var opened = new List<IDisposable>();
        try
        {
            var ingredients = IngredientSet.Open(paths, readOptions);
            opened.Add(ingredients);
            ingredients.RequireCompatible();
            var heldOut = evaluation.OpenHeldOut(parse, threads);
            opened.Add(heldOut);
            var testSplits = new SplitList([]);
            opened.Add(testSplits);
            foreach (var (name, path) in testSpecs)
                testSplits.Add(name, HeldOutSplits.Open(path, parse.GetValue(evaluation.Preprocess), null, threads));

            var inputs = new InputGuard();
            foreach (var reader in ingredients.Readers) inputs.Add("checkpoint", reader.Files);
            inputs.Add("held-out split", heldOut.Files);
            foreach (var (name, split) in testSplits.Splits) inputs.Add($"test split {name}", split.Files);
            inputs.Add("model", family.Files);
            foreach (var results in evaluation.ResultsFiles(parse)) inputs.RequireNotAnInput(results);
            if (target != null)
            {
                inputs.RequireNotAnInput(target.Path);
                inputs.RequireNotAnInput(SoupReportFile.PathFor(target.Path));
            }

            var evaluator = new SoupEvaluator(family, ingredients.Layout, device, batchSize, evaluation.Cache(parse), readOptions);
            opened.Add(evaluator);
            evaluator.OnWarning = message => context.Log.Warning("{Warning}", message);
            evaluator.Probe(heldOut);
            foreach (var (_, split) in testSplits.Splits) evaluator.Probe(split);
            IngredientLog.Describe(context, ingredients);
            context.Log.Information("Held-out split: {Split}", heldOut.Description);
            return new EvaluatedSoupRun(target, ingredients, heldOut, testSplits, evaluator, device, inputs);
        }
        catch
        {
            foreach (var item in Enumerable.Reverse(opened)) item.Dispose();
            throw;
        }
    }

    /// <summary>Bakes the recipe, scores it beside the best individual and the uniform soup, writes the report.</summary>
    public (SoupReport Report, IReadOnlyList<ScoreRow> Scores) Finish(SoupRecipe recipe, string soupName,
        CommandContext context, CancellationToken cancellation)
    {
        var target = Target ?? throw new InvalidOperationException("this run has no output");
        var baked = context.WithProgress(progress => new SoupBaker(Device).Bake(Ingredients, recipe, target, progress, cancellation));
        foreach (var warning in baked.Warnings) context.Log.Warning("{Warning}", warning);
        context.Log.Information("Scoring the best individual, the uniform soup and the {Soup}", soupName);
        var scores = context.WithProgress(Evaluator, () =>
            new Scoreboard(Evaluator, Ingredients, HeldOut, _tests.Splits, Device, cancellation).BaselinesAnd(soupName, baked.Path));
        var report = SoupReport.From(Ingredients, recipe, baked, _clock.Elapsed) with { Scores = scores };
        SoupReportFile.Write(ReportPath, report, target.Overwrite);
        return (report, scores);
    }

    public void Dispose()
    {
        Evaluator.Dispose();
        _tests.Dispose();
        HeldOut.Dispose();
        Ingredients.Dispose();
    }
}
