using System.CommandLine;
using Soups.Cli.Printing;
using Soups.Runs;

namespace Soups.Cli.Commands;

/// <summary>
/// <c>soup inspect CKPT...</c>: what each checkpoint holds, whether they can be souped together and, for several,
/// how far apart their weights are.
/// </summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var common = new CommonOptions(CheckpointArguments.List(
            "The checkpoints to describe: ingredients, a base, or soups (whose recipe trees are shown)"));
        var noDistances = new Option<bool>("--no-distances")
        {
            Description = "Skip the pairwise distances (which read every tensor); report only what the indexes say.",
        };
        var command = new Command("inspect",
            "Show tensor and parameter counts, dtypes and sizes; check that checkpoints are compatible; with several, " +
            "their pairwise L2 distances and cosine similarities (ingredients of one soup should be close: one basin).");
        command.Options.Add(noDistances);
        common.AddBase(command);
        common.AddTo(command);
        CommandRunner.SetAction(command, common, (parse, context, cancellation) =>
        {
            var result = context.WithProgress(progress => InspectionRun.Execute(common.Ingredients(parse), common.Compute(parse),
                !parse.GetValue(noDistances), context.Observer(progress), cancellation));
            if (parse.GetValue(common.Json)) context.Output.WriteLine(ReportFile.Serialize(result));
            else InspectionPrinter.Print(context.Sheet, result);
            return 0;
        });
        return command;
    }
}
