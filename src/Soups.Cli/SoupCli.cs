using System.CommandLine;
using System.CommandLine.Help;
using Soups.Cli.Commands;
using Soups.Cli.Usage;
using Soups.Strategies;

namespace Soups.Cli;

/// <summary>Builds the command tree and runs it; everything a test needs to drive the CLI in-process.</summary>
public static class SoupCli
{
    /// <summary>The root command: one command per registered strategy, then compare, eval and inspect.</summary>
    public static RootCommand Build() => Build(KnownStrategies.All);

    /// <summary>
    /// The root command for <paramref name="strategies"/> (a test may bring its own). A definition that breaks a rule
    /// (<see cref="StrategyDefinitions"/>, or a parameter named as an option every command has) throws
    /// <see cref="StrategyDefinitionException"/> naming the strategy and the parameter.
    /// </summary>
    internal static RootCommand Build(IReadOnlyList<ISoupStrategy> strategies)
    {
        StrategyDefinitions.Require(strategies);
        var root = new RootCommand(
            "soup: average fine-tuned checkpoints of one pretrained model into one (model soups, Wortsman et al. 2022).");
        Command[] others = [CompareCommand.Create(strategies), EvalCommand.Create(), InspectCommand.Create(), RebakeCommand.Create()];
        var clashes = strategies.Where(s => others.Any(c => c.Name == s.Name))
            .Select(s => $"strategy '{s.Name}': its name is the command soup {s.Name} already").ToList();
        if (clashes.Count > 0) throw new StrategyDefinitionException(clashes);
        var inherited = root.Options.Where(o => o.Recursive).SelectMany(o => o.Aliases.Append(o.Name)).ToList();
        foreach (var strategy in strategies) root.Subcommands.Add(StrategyCommand.Create(strategy, inherited));
        foreach (var command in others) root.Subcommands.Add(command);
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpWithExamples((HelpAction)help.Action!);
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; returns the exit code (0 ok, 2 bad usage or input, 1 other).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellation = default) =>
        RunAsync(args, output, error, screen: null, cancellation);

    /// <summary>Parses and runs <paramref name="args"/> with <paramref name="screen"/> as the terminal a person watches
    /// (live progress, tables that fit); null for plain text.</summary>
    internal static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Terminal.Screen? screen,
        CancellationToken cancellation = default)
    {
        CommandRunner.CurrentScreen.Value = screen;
        return RunAsync(KnownStrategies.All, args, output, error, cancellation);
    }

    /// <summary>
    /// Builds the command tree of <paramref name="strategies"/> and runs <paramref name="args"/> against it. A tree that
    /// cannot be built (a strategy's definition breaks a rule) is one error line and exit code 1, whatever the command.
    /// </summary>
    internal static Task<int> RunAsync(IReadOnlyList<ISoupStrategy> strategies, string[] args, TextWriter output, TextWriter error,
        CancellationToken cancellation = default)
    {
        RootCommand root;
        try
        {
            root = Build(strategies);
        }
        catch (Exception e)
        {
            var what = e is StrategyDefinitionException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            new TerminalSafeWriter(error).WriteLine($"error: the commands could not be built: {what} (a bug: please report it)");
            return Task.FromResult(1);
        }
        return RunAsync(root, args, output, error, cancellation);
    }

    /// <summary>Parses and runs <paramref name="args"/> against <paramref name="root"/>.</summary>
    internal static async Task<int> RunAsync(RootCommand root, string[] args, TextWriter output, TextWriter error,
        CancellationToken cancellation = default)
    {
        output = new TerminalSafeWriter(output);
        error = new TerminalSafeWriter(error);
        // Response files are expanded by the commands themselves, one path per line (see CommonOptions).
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (UsageErrors.Describe(parse) is { } problem)
        {
            error.WriteLine($"error: {problem}");
            error.WriteLine($"Try '{CommandPath(parse)} --help' for usage.");
            return CommandRunner.BadInput;
        }
        // Signals are the program's to handle (Program.cs): System.CommandLine must not end the process itself.
        var invocation = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null };
        return await parse.InvokeAsync(invocation, cancellation);
    }

    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result != null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
            names.Insert(0, result.Command.Name);
        names[0] = "soup";
        return string.Join(' ', names);
    }
}
