using System.CommandLine;
using Soups.Cli.Commands;

namespace Soups.Cli;

/// <summary>Builds the command tree and runs it; everything a test needs to drive the CLI in-process.</summary>
public static class SoupCli
{
    /// <summary>The root command with every subcommand registered (the one table of commands).</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "soup: average fine-tuned checkpoints of one pretrained model into one (model soups, Wortsman et al. 2022).");
        root.Subcommands.Add(UniformCommand.Create());
        root.Subcommands.Add(GreedyCommand.Create());
        root.Subcommands.Add(LearnedCommand.Create());
        root.Subcommands.Add(CompareCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(InspectCommand.Create());
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; returns the exit code (0 ok, 2 bad usage or input, 1 other).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error,
        CancellationToken cancellation = default)
    {
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            error.WriteLine($"error: {parse.Errors[0].Message}");
            error.WriteLine($"Try '{CommandPath(parse)} --help' for usage.");
            return SoupException.BadInput;
        }
        var invocation = new InvocationConfiguration { Output = output, Error = error };
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
