using System.CommandLine;
using System.Diagnostics;
using Soups.Engine;
using Soups.Evaluation;
using Soups.Models;
using Soups.Souping;

namespace Soups.Cli.Commands;

/// <summary>
/// <c>soup greedy CKPT... --model M --heldout D -o OUT</c>: the paper's greedy soup, with every step reported, and a
/// final table beside the best individual and the uniform soup.
/// </summary>
internal static class GreedyCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var output = new OutputOptions();
        var evaluation = new EvaluationOptions();
        var accept = new Option<string>("--accept")
        {
            Description = "gt: keep an ingredient only if held-out accuracy strictly increases (the paper's code; default). " +
                          "ge: keep it if accuracy does not decrease (the paper's text).",
            DefaultValueFactory = _ => "gt",
        };
        accept.AcceptOnlyFromAmong("gt", "ge");
        var tests = new TestSetOption();
        var command = new Command("greedy",
            "Bake the greedy soup: ingredients sorted by held-out accuracy, each added only if the soup's held-out accuracy improves.");
        common.AddTo(command);
        output.AddTo(command);
        evaluation.AddTo(command);
        command.Options.Add(accept);
        command.Options.Add(tests.Option);
        CommandRunner.SetAction(command, common, (parse, context, cancellation) =>
        {
            var paths = common.CheckpointPaths(parse);
            var target = output.Resolve(parse, paths);
            var reportPath = SoupReportFile.PathFor(target.Path);
            SoupReportFile.CheckWritable(reportPath, target.Overwrite);
            var threads = parse.GetValue(common.Threads);
            ComputeDevice.SetThreads(threads);
            var device = ComputeDevice.Resolve(parse.GetValue(common.Device)!);
            var family = KnownModels.Resolve(parse.GetValue(evaluation.Model)!);
            var testSpecs = tests.Parse(parse);
            var clock = Stopwatch.StartNew();

            using var ingredients = IngredientSet.Open(paths, common.ReadOptions(parse));
            ingredients.RequireCompatible();
            using var heldOut = evaluation.OpenHeldOut(parse, threads);
            using var testSplits = new SplitList(testSpecs.Select(t => (t.Name, HeldOutSplits.Open(t.Path, parse.GetValue(evaluation.Preprocess), null, threads))));
            using var evaluator = new SoupEvaluator(family, ingredients.Layout, device, evaluation.BatchSizeValue(parse), evaluation.Cache(parse));
            context.Log.Information("Held-out split: {Split}", heldOut.Description);

            var rule = parse.GetValue(accept) == "ge" ? AcceptRule.GreaterOrEqual : AcceptRule.Greater;
            var strategy = new GreedySoup(evaluator, heldOut, rule) { OnProgress = line => context.Log.Information("{Line}", line) };
            var recipe = context.WithProgress(evaluator, () => strategy.Plan(ingredients, cancellation));
            var baked = context.WithProgress(progress => new SoupBaker(device).Bake(ingredients, recipe, target, progress, cancellation));
            foreach (var warning in baked.Warnings) context.Log.Warning("{Warning}", warning);

            context.Log.Information("Scoring best individual, uniform soup and greedy soup");
            var scores = context.WithProgress(evaluator, () =>
                new Scoreboard(evaluator, ingredients, heldOut, testSplits.Splits, device, cancellation)
                    .BaselinesAndSoup((GreedyDetails)recipe.Details!, baked.Path));
            var report = SoupReport.From(ingredients, recipe, baked, clock.Elapsed) with { Scores = scores };
            SoupReportFile.Write(reportPath, report, target.Overwrite);
            if (parse.GetValue(common.Json)) JsonOutput.Write(context.Output, report);
            else GreedyPrinter.Print(context.Output, report, (GreedyDetails)recipe.Details!, scores, reportPath);
            return 0;
        });
        return command;
    }
}
