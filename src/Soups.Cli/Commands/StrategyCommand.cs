using System.CommandLine;
using Soups.Cli.Printing;
using Soups.Cli.Reports;
using Soups.Runs;
using Soups.Strategies;

namespace Soups.Cli.Commands;

/// <summary>
/// <c>soup STRATEGY CKPT... -o OUT</c> for any registered strategy: the command, its options and its help come from the
/// strategy's definition (name, summary, needs, parameters), the run from <see cref="SoupRun"/>, the output from
/// <see cref="SoupRunPrinter"/> (issue #9).
/// </summary>
internal static class StrategyCommand
{
    public static Command Create(ISoupStrategy strategy)
    {
        var common = new CommonOptions(CheckpointArguments.Of(strategy));
        var output = new OutputOptions();
        // Any soup can be scored beside its baselines; some strategies cannot plan without a held-out split.
        var evaluation = new EvaluationOptions(required: strategy.Needs.HasFlag(StrategyNeeds.HeldOut));
        var parameters = new ParameterOptions(strategy.Parameters, strategy.Describe);
        var command = new Command(strategy.Name, strategy.Summary);
        parameters.AddTo(command);
        output.AddTo(command);
        common.AddBase(command, required: strategy.Needs.HasFlag(StrategyNeeds.Base));
        evaluation.AddTo(command);
        common.AddTo(command);
        CommandRunner.SetAction(command, common, (parse, context, cancellation) =>
        {
            var request = new SoupRunRequest(strategy, parameters.Read(parse), common.Ingredients(parse), evaluation.OptionalRequest(parse),
                common.Compute(parse), output.Resolve(parse)) { RenderPlot = LinePlot.Render };
            var result = context.WithProgress(progress => SoupRun.Execute(request, context.Observer(progress), cancellation));
            if (parse.GetValue(common.Json)) context.Output.WriteLine(ReportFile.Serialize(result));
            else SoupRunPrinter.Print(context.Sheet, result, request.ReportPath, context.Live);
            return 0;
        });
        return command;
    }
}
