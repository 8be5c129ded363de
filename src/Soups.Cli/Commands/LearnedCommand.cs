using System.CommandLine;
using System.Globalization;
using Soups.Souping;

namespace Soups.Cli.Commands;

/// <summary>
/// <c>soup learned CKPT... --model M --heldout D -o OUT</c>: mixing coefficients learned by gradient descent on the
/// held-out split, per model or per layer (issue #4).
/// </summary>
internal static class LearnedCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var output = new OutputOptions();
        var evaluation = new EvaluationOptions(256,
            "Examples per batch, for training the coefficients and for evaluation (256, as the paper's learned_bylayer.py).");
        var tests = new TestSetOption();
        var granularity = new Option<string>("--granularity")
        {
            Description = "model: one coefficient per ingredient; layer: one per ingredient per state-dict tensor (the paper's by-layer soup).",
            DefaultValueFactory = _ => "model",
        };
        granularity.AcceptOnlyFromAmong("model", "layer");
        var learned = new LearnedOptions();
        var command = new Command("learned",
            "Bake a learned soup: mixing coefficients (softmax) and a logit temperature trained with AdamW on the held-out split.");
        common.AddTo(command);
        output.AddTo(command);
        evaluation.AddTo(command);
        command.Options.Add(tests.Option);
        command.Options.Add(granularity);
        learned.AddTo(command);
        CommandRunner.SetAction(command, common, (parse, context, cancellation) =>
        {
            var options = learned.Resolve(parse,
                parse.GetValue(granularity) == "layer" ? LearnedGranularity.Layer : LearnedGranularity.Model,
                evaluation.BatchSizeValue(parse));
            using var run = EvaluatedSoupRun.Open(parse, common, output, evaluation, tests, context);
            var strategy = new LearnedSoup(run.Evaluator.Model, run.HeldOut, options)
            {
                OnProgress = line => context.Log.Information("{Line}", line),
            };
            var recipe = context.WithProgress(_ => strategy.Plan(run.Ingredients, cancellation));
            var (report, scores) = run.Finish(recipe, $"{strategy.Name} soup", context, cancellation);
            if (parse.GetValue(common.Json)) JsonOutput.Write(context.Output, report);
            else Print(context.Output, report, (LearnedDetails)recipe.Details!, scores, run.ReportPath);
            return 0;
        });
        return command;
    }

    private static void Print(TextWriter output, SoupReport report, LearnedDetails details,
        IReadOnlyList<Evaluation.ScoreRow> scores, string reportPath)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv,
            $"Learned soup ({details.Granularity}, {details.Epochs} epochs, {details.Steps} steps, ingredients on {details.Storage}), temperature {details.Temperature:0.000}"));
        for (var i = 0; i < report.Ingredients.Count; i++)
            output.WriteLine(string.Create(inv, $"  weight {report.Ingredients[i].Weight:0.0000}  {report.Ingredients[i].Path}"));
        if (details.TensorWeights != null) output.WriteLine("  (mean over tensors; per-tensor weights are in the report)");
        output.WriteLine($"Soup -> {report.Output.Path} (sha256 {report.Output.Sha256[..16]}...)");
        output.WriteLine();
        GreedyPrinter.PrintTable(output, scores);
        output.WriteLine();
        output.WriteLine($"Report: {reportPath}");
    }
}
