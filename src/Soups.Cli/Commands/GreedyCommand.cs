using System.CommandLine;
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
        var tests = new TestSetOption();
        var accept = new AcceptOption();
        var command = new Command("greedy",
            "Bake the greedy soup: ingredients sorted by held-out accuracy, each added only if the soup's held-out accuracy improves.");
        common.AddTo(command);
        output.AddTo(command);
        evaluation.AddTo(command);
        command.Options.Add(tests.Option);
        command.Options.Add(accept.Option);
        CommandRunner.SetAction(command, common, (parse, context, cancellation) =>
        {
            using var run = EvaluatedSoupRun.Open(parse, common, output, evaluation, tests, context);
            var rule = accept.Resolve(parse);
            var strategy = new GreedySoup(run.Evaluator, run.HeldOut, rule) { OnProgress = line => context.Log.Information("{Line}", line) };
            var recipe = context.WithProgress(run.Evaluator, () => strategy.Plan(run.Ingredients, cancellation));
            var details = (GreedyDetails)recipe.Details!;
            var (report, scores) = run.Finish(recipe, details.Soup.Count == 1 ? "greedy soup (1 ingredient)" : $"greedy soup ({details.Soup.Count} ingredients)", context, cancellation);
            if (parse.GetValue(common.Json)) JsonOutput.Write(context.Output, report);
            else GreedyPrinter.Print(context.Output, report, details, scores, run.ReportPath);
            return 0;
        });
        return command;
    }
}
