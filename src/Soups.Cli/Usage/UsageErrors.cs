using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Parsing;

namespace Soups.Cli.Usage;

/// <summary>
/// The one line a command line that cannot run gets, the most useful first: a word the command does not know (an
/// unknown command or option, with the known ones nearest to it), then a value that is wrong, then a wrong number of
/// checkpoints, then what is missing. System.CommandLine lists its errors in its own order, and takes an unknown
/// dash-led word for a checkpoint, so that a typo (<c>--heldot</c>) surfaced as "--heldout is required".
/// </summary>
internal static class UsageErrors
{
    /// <summary>What is wrong with <paramref name="parse"/>, or null when it can run (help and version always can).</summary>
    public static string? Describe(ParseResult parse)
    {
        if (parse.Action is { ClearsParseErrors: true }) return null;
        var command = parse.CommandResult.Command;
        var root = (RootCommand)parse.RootCommandResult.Command;
        return UnknownWord(parse, command, root)
               ?? WrongValue(parse)
               ?? WrongCount(parse, command)
               ?? Missing(parse, command, root)
               ?? (parse.Errors.Count > 0 ? parse.Errors[0].Message : null);
    }

    private static string? UnknownWord(ParseResult parse, Command command, RootCommand root)
    {
        var unmatched = parse.UnmatchedTokens.ToHashSet(StringComparer.Ordinal);
        var arguments = parse.CommandResult.Children.OfType<ArgumentResult>().SelectMany(a => a.Tokens).ToList();
        foreach (var token in parse.Tokens)
        {
            var isUnmatched = unmatched.Contains(token.Value);
            if (!isUnmatched && !arguments.Any(t => ReferenceEquals(t, token))) continue;
            // A checkpoint may start with a dash when it is a file; anything else dash-led was meant as an option.
            if (token.Value.StartsWith('-') && !File.Exists(token.Value) && !Directory.Exists(token.Value))
                return UnknownOption(token.Value, command, root);
            if (isUnmatched && command == root) return UnknownCommand(token.Value, root);
        }
        return null;
    }

    private static string UnknownOption(string token, Command command, RootCommand root)
    {
        var name = token.Split('=', ':')[0];
        var known = command.Options.Concat(root.Options.Where(o => o.Recursive)).Where(o => !o.Hidden).Select(o => o.Name);
        var owners = root.Subcommands.Where(c => c != command && c.Options.Any(o => o.Name == name || o.Aliases.Contains(name)))
            .Select(c => c.Name).ToList();
        var text = command == root ? $"unknown option '{name}'" : $"unknown option '{name}' for {command.Name}";
        if (owners.Count > 0) text += $" ({Join(owners, "and")} {(owners.Count == 1 ? "has" : "have")} it)";
        // compare takes the strategies' settings per strategy, never as their own options.
        if (owners.Count > 0 && command.Options.Any(o => o.Name == Soups.Cli.Commands.CompareSettings.Name))
            text += $"; {command.Name} takes a strategy's settings as {Soups.Cli.Commands.CompareSettings.Name} " +
                    (owners.Count == 1 ? $"{owners[0]}.{name.TrimStart('-')}=VALUE" : "STRATEGY.SETTING=VALUE");
        return text + Suggestions.DidYouMean(Suggestions.Nearest(name, known));
    }

    private static string UnknownCommand(string token, RootCommand root)
    {
        var suggested = Suggestions.Nearest(token, root.Subcommands.Select(c => c.Name));
        return suggested.Count > 0
            ? $"unknown command '{token}'{Suggestions.DidYouMean(suggested)}"
            : $"unknown command '{token}' (commands: {Commands(root)})";
    }

    // A value given on the command line that does not parse or pass its check.
    private static string? WrongValue(ParseResult parse)
    {
        var error = parse.Errors.FirstOrDefault(e => e.SymbolResult is OptionResult { Implicit: false });
        if (error is null) return null;
        var result = (OptionResult)error.SymbolResult!;
        // The library words a value outside a fixed list on several lines, and one that does not parse with .NET type
        // names ("System.Int32").
        var choices = result.Option.ValueType == typeof(string)
            ? result.Option.GetCompletions(CompletionContext.Empty).Select(c => c.Label).ToList()
            : [];
        if (choices.Count > 0 && result.Tokens.FirstOrDefault(t => !choices.Contains(t.Value)) is { } unknown)
        {
            var nearest = Suggestions.Nearest(unknown.Value, choices);
            return $"{result.Option.Name}: unknown value '{unknown.Value}' (choose {Join(choices, "or")})" +
                   (nearest.Count < choices.Count ? Suggestions.DidYouMean(nearest) : "");
        }
        return Soups.Cli.Commands.OptionValidation.Unparsable(result) ?? error.Message;
    }

    private static string? WrongCount(ParseResult parse, Command command)
    {
        var arguments = command.Arguments;
        if (arguments.Count == 0 || command is RootCommand) return null;
        var extra = parse.UnmatchedTokens.Where(t => !t.StartsWith('-')).ToList();
        var missing = parse.Errors.Any(e => e.SymbolResult is ArgumentResult { Parent: CommandResult });
        if (extra.Count == 0 && !missing) return null;
        if (arguments.Any(a => a.Arity.MaximumNumberOfValues > 1))
            return missing ? "no checkpoints given" : $"unexpected argument '{extra[0]}'";
        var given = parse.CommandResult.Children.OfType<ArgumentResult>().Sum(a => a.Tokens.Count) + extra.Count;
        var names = string.Join(" ", arguments.Select(a => $"<{a.Name}>"));
        var expected = arguments.Count == 1 ? $"one checkpoint, {names}" : $"exactly {arguments.Count} checkpoints, {names}";
        return $"{command.Name} takes {expected}; {(given == 0 ? "none" : given.ToString(System.Globalization.CultureInfo.InvariantCulture))} given";
    }

    private static string? Missing(ParseResult parse, Command command, RootCommand root)
    {
        if (command == root && parse.Errors.Count > 0) return $"no command given (commands: {Commands(root)})";
        var options = parse.Errors.Select(e => e.SymbolResult).OfType<OptionResult>().Select(o => o.Option.Name).Distinct().ToList();
        return options.Count switch
        {
            0 => null,
            1 => $"{options[0]} is required",
            _ => $"{Join(options, "and")} are required",
        };
    }

    private static string Commands(RootCommand root) => string.Join(", ", root.Subcommands.Select(c => c.Name));

    private static string Join(IReadOnlyList<string> words, string last) =>
        words.Count == 1 ? words[0] : $"{string.Join(", ", words.Take(words.Count - 1))} {last} {words[^1]}";
}
