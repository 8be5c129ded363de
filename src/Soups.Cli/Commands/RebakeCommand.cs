using System.CommandLine;
using Soups.Cli.Printing;
using Soups.Runs;

namespace Soups.Cli.Commands;

/// <summary>
/// <c>soup rebake SOUP [--from DIR] [-o OUT]</c>: bakes a soup again from the recipe in its metadata and checks that
/// the result is the same file, bit for bit (issue #11). Exit 0 when it is, 1 when it differs.
/// </summary>
internal static class RebakeCommand
{
    public const int Differs = 1;

    public static Command Create()
    {
        var common = new CommonOptions(CheckpointArguments.One("soup",
            "The soup to rebake: a safetensors checkpoint that soup wrote, with its recipe in its metadata."));
        var from = new Option<string[]>("--from")
        {
            Description = "Folders to find the ingredient files in, by the names the recipe gives (default: the soup's own folder); repeatable. " +
                          "Each file's SHA-256 must match the recipe's; a missing ingredient that is itself a soup is rebaked from its own recipe.",
            AllowMultipleArgumentsPerToken = false,
        };
        var output = new Option<string?>("--output", "-o")
        {
            Description = "Also write the rebaked soup here (default: bake it in a scratch folder, compare, and remove it).",
        };
        var force = new Option<bool>("--force", "-f") { Description = "Overwrite the output if it exists." };
        var evaluation = new EvaluationOptions(required: false);
        var command = new Command("rebake",
            "Bake a soup again from the recipe in its metadata (ingredients found by name and checked by SHA-256) and check " +
            "that the result is bit-identical: exit 0 when it is, 1 when it is not.");
        command.Options.Add(from);
        command.Options.Add(output);
        command.Options.Add(force);
        evaluation.AddTo(command, tests: false);
        common.AddTo(command, reading: false);
        CommandRunner.SetAction(command, common, (parse, context, cancellation) =>
        {
            var soups = common.CheckpointPaths(parse);
            if (soups.Count != 1) throw new UsageException($"rebake takes one soup, not {soups.Count}");
            var outputPath = parse.GetValue(output);
            var request = new RebakeRequest(soups[0], parse.GetValue(from) ?? [],
                outputPath is null ? null : new Baking.SoupOutput(outputPath, "safetensors", parse.GetValue(force)),
                evaluation.OptionalRequest(parse), common.Compute(parse))
            {
                AllowUnsafeGlobals = parse.GetValue(common.AllowUnsafeGlobals),
            };
            var result = context.WithProgress(progress => RebakeRun.Execute(request, context.Observer(progress), cancellation));
            if (parse.GetValue(common.Json)) context.Output.WriteLine(ReportFile.Serialize(result));
            else RecipePrinter.PrintRebake(context.Sheet, result);
            if (!result.Matches) context.Error.WriteLine($"error: the rebaked soup differs from {result.Soup} (SHA-256 {result.Actual}, recorded {result.Expected})");
            return result.Matches ? 0 : Differs;
        });
        return command;
    }
}
