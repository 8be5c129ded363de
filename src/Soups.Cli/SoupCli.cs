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

    /// <summary>The root command for <paramref name="strategies"/> (a test may bring one of its own).</summary>
    internal static RootCommand Build(IReadOnlyList<ISoupStrategy> strategies)
    {
        var root = new RootCommand(
            "soup: average fine-tuned checkpoints of one pretrained model into one (model soups, Wortsman et al. 2022).");
        foreach (var strategy in strategies) root.Subcommands.Add(StrategyCommand.Create(strategy));
        root.Subcommands.Add(CompareCommand.Create(strategies));
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(RebakeCommand.Create());
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
        return RunAsync(Build(), args, output, error, cancellation);
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
