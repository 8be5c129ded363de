using Spectre.Console;

namespace Soups.Cli.Terminal;

/// <summary>
/// The terminal a person is watching (issue #13): stderr carries the live progress display with log and step lines
/// above it; stdout, when it is the terminal too, gets tables sized to it. Null (plain text, as in CI logs) when
/// stderr is not an interactive terminal with ANSI support.
/// </summary>
internal sealed class Screen(IAnsiConsole error, IAnsiConsole? output)
{
    private readonly Lock _gate = new();

    /// <summary>stderr: progress, logs, step lines.</summary>
    public IAnsiConsole Error { get; } = error;

    /// <summary>stdout when it is a terminal (tables fit its width); null when it is redirected.</summary>
    public IAnsiConsole? Output { get; } = output;

    /// <summary>The screen of this process, or null when stderr is not an interactive ANSI terminal.</summary>
    public static Screen? Detect()
    {
        if (Console.IsErrorRedirected) return null;
        var error = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (!error.Profile.Capabilities.Ansi || !error.Profile.Capabilities.Interactive) return null;
        var output = Console.IsOutputRedirected ? null : AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        return new Screen(error, output);
    }

    /// <summary>
    /// Writes one whole line on stderr (above a live display, if one is running), control characters escaped. A line
    /// longer than the terminal is wrapped at spaces, and every row is padded to the full width: a live display redraws
    /// from where the line was written, so a shorter row would leave part of the old bar beside it.
    /// </summary>
    public void Line(string text, Style? style = null)
    {
        var width = Math.Max(20, Error.Profile.Width);
        var rows = Wrap(TerminalSafeWriter.Sanitize(text), width).Select(r => r.PadRight(width));
        lock (_gate) Error.Write(new Text(string.Join("\n", rows) + "\n", style ?? Style.Plain));
    }

    /// <summary>Rows of at most <paramref name="width"/> characters, broken at spaces where possible.</summary>
    public static IReadOnlyList<string> Wrap(string text, int width)
    {
        var rows = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            var rest = line.TrimEnd();
            while (rest.Length > width)
            {
                var cut = rest.LastIndexOf(' ', width);
                if (cut <= 0) cut = width; // one long word (a path): split it
                rows.Add(rest[..cut]);
                rest = rest[cut..].TrimStart();
            }
            rows.Add(rest);
        }
        return rows;
    }
}
