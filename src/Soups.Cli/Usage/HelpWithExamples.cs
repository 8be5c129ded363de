using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Soups.Cli.Usage;

/// <summary>
/// System.CommandLine's help, followed by the command's examples (<see cref="KnownExamples"/>). Its help builder is
/// not open to new sections, so the examples are written after it.
/// </summary>
internal sealed class HelpWithExamples(HelpAction help) : SynchronousCommandLineAction
{
    /// <inheritdoc />
    public override bool ClearsParseErrors => true;

    /// <summary>The width help is wrapped to (the terminal's; unlimited when output is redirected).</summary>
    public int MaxWidth
    {
        get => help.MaxWidth;
        set => help.MaxWidth = value;
    }

    /// <inheritdoc />
    public override int Invoke(ParseResult parseResult)
    {
        var code = help.Invoke(parseResult);
        var command = parseResult.CommandResult.Command;
        var examples = KnownExamples.For(command is RootCommand ? "" : command.Name);
        if (examples.Count == 0) return code;
        var output = parseResult.InvocationConfiguration.Output;
        output.WriteLine("Examples (on the sample in samples/digits, from the repository root):");
        foreach (var example in examples)
        {
            foreach (var line in Wrap($"{example.Purpose}:".Split(' '), "  ", "  ", "")) output.WriteLine(line);
            foreach (var line in Wrap(Units("soup " + example.Arguments), "    ", "      ", " \\")) output.WriteLine(line);
        }
        output.WriteLine();
        return code;
    }

    // Lines of at most the help's width, cut between words; a cut line ends with `cut` (a backslash continues a
    // command line, as a shell reads it). A word longer than the width stays whole.
    private IEnumerable<string> Wrap(IEnumerable<string> words, string indent, string continued, string cut)
    {
        var (line, empty) = (indent, true);
        foreach (var word in words)
        {
            if (!empty && line.Length + 1 + word.Length + cut.Length > MaxWidth)
            {
                yield return line + cut;
                (line, empty) = (continued, true);
            }
            line += (empty ? "" : " ") + word;
            empty = false;
        }
        yield return line;
    }

    // The words of a command line, an option kept with its value (-o OUT) so that a cut never parts them.
    private static List<string> Units(string commandLine)
    {
        var units = new List<string>();
        foreach (var word in commandLine.Split(' '))
        {
            if (units.Count > 0 && units[^1].StartsWith('-') && !units[^1].Contains(' ') && !word.StartsWith('-')) units[^1] += " " + word;
            else units.Add(word);
        }
        return units;
    }
}
