using System.CommandLine;
using Soups.Cli.Printing;
using Soups.Runs;

namespace Soups.Cli.Commands;

/// <summary>
/// <c>soup eval CKPT... --model M --heldout D</c>: scores each checkpoint and appends the results to a results file
/// that the soup commands reuse. <c>--shard i/n</c> evaluates one share, for job arrays.
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var evaluation = new EvaluationOptions();
        var shard = new Option<string?>("--shard")
        {
            Description = "Evaluate only share i of n (0-based, e.g. --shard $SLURM_ARRAY_TASK_ID/8): checkpoints whose position modulo n is i.",
        }.ParsedBy(text => ParseShard(text));
        var command = new Command("eval", "Evaluate checkpoints on a held-out split: top-1 accuracy and mean cross-entropy; results are cached.");
        common.AddTo(command);
        evaluation.AddTo(command, tests: false);
        command.Options.Add(shard);
        CommandRunner.SetAction(command, common, (parse, context, cancellation) =>
        {
            var result = context.WithProgress(progress => EvaluationRun.Execute(common.Ingredients(parse), evaluation.Request(parse),
                common.Compute(parse), ParseShard(parse.GetValue(shard)), context.Observer(progress), cancellation));
            if (parse.GetValue(common.Json)) context.Output.WriteLine(ReportFile.Serialize(result));
            else EvaluationPrinter.Print(context.Output, result);
            return 0;
        });
        return command;
    }

    private static (int Index, int Count) ParseShard(string? text)
    {
        if (text is null) return (0, 1);
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var i) || !int.TryParse(parts[1], out var n) || n <= 0 || i < 0 || i >= n)
            throw new OptionException("shard", $"expected i/n with 0 <= i < n, got '{text}'");
        return (i, n);
    }
}
