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
    /// <summary>
    /// The command of <paramref name="strategy"/>, whose definition has passed <see cref="StrategyDefinitions"/>;
    /// <paramref name="inherited"/> are the option names every command has from the root (<c>--help</c>). A parameter
    /// whose option name the command has already (<c>--output</c>, <c>--model</c>) throws <see cref="StrategyDefinitionException"/>.
    /// </summary>
    public static Command Create(ISoupStrategy strategy, IReadOnlyCollection<string> inherited)
    {
        var common = new CommonOptions(CheckpointArguments.Of(strategy));
        var output = new OutputOptions();
        // Any soup can be scored beside its baselines; some strategies cannot plan without a held-out split.
        var evaluation = new EvaluationOptions(required: strategy.Needs.HasFlag(StrategyNeeds.HeldOut));
        var parameters = new ParameterOptions(strategy);
        var command = new Command(strategy.Name, strategy.Summary);
        parameters.AddTo(command);
        output.AddTo(command);
        common.AddBase(command, required: strategy.Needs.HasFlag(StrategyNeeds.Base));
        evaluation.AddTo(command);
        common.AddTo(command);
        RequireOwnNames(strategy, command, parameters, inherited);
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

    // --output, --model, --threads, ...: a parameter may not take the name of an option every strategy command has.
    private static void RequireOwnNames(ISoupStrategy strategy, Command command, ParameterOptions parameters,
        IReadOnlyCollection<string> inherited)
    {
        var own = parameters.Options.Select(o => o.Option).ToHashSet();
        var taken = command.Options.Where(o => !own.Contains(o)).SelectMany(o => o.Aliases.Append(o.Name)).Concat(inherited).ToHashSet();
        var clashes = parameters.Options.Where(o => taken.Contains(o.Option.Name))
            .Select(o => $"strategy '{strategy.Name}': parameter '{o.Parameter.Name}' would be {o.Option.Name}, an option every " +
                         "strategy command has already; choose another name")
            .ToList();
        if (clashes.Count > 0) throw new StrategyDefinitionException(clashes);
    }
}
