using System.CommandLine;
using Soups.Cli.Printing;
using Soups.Evaluation;
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
        var common = new CommonOptions(CheckpointArguments.List("The checkpoints to evaluate"));
        var evaluation = new EvaluationOptions();
        var shard = new Option<string?>("--shard")
        {
            Description = "Evaluate only share i of n (0-based): checkpoints whose position modulo n is i. 'auto' reads a Slurm job " +
                          "array's index and size; 'auto/n' reads a Kubernetes indexed Job's JOB_COMPLETION_INDEX for n completions.",
        }.ParsedBy(text => Shard.Parse(text));
        var command = new Command("eval", "Evaluate checkpoints on a held-out split: top-1 accuracy and mean cross-entropy; results are cached.");
        evaluation.AddTo(command, tests: false);
        command.Options.Add(shard);
        common.AddTo(command);
        CommandRunner.SetAction(command, common, (parse, context, cancellation) =>
        {
            var result = context.WithProgress(progress => EvaluationRun.Execute(common.Ingredients(parse), evaluation.Request(parse),
                common.Compute(parse), Shard.Parse(parse.GetValue(shard)), context.Observer(progress), cancellation));
            if (parse.GetValue(common.Json)) context.Output.WriteLine(ReportFile.Serialize(result));
            else EvaluationPrinter.Print(context.Sheet, result);
            return 0;
        });
        return command;
    }
}
