using Spectre.Console;
using Spectre.Console.Rendering;

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
    /// wider than the terminal is wrapped at spaces, and every row is padded to the full width: a live display redraws
    /// from where the line was written, so a shorter row would leave part of the old bar beside it. Widths are counted
    /// in terminal cells, as Spectre counts them when it renders (a CJK character takes two), so no row is wider than the
    /// terminal and the terminal never wraps one itself.
    /// </summary>
    public void Line(string text, Style? style = null)
    {
        var width = Math.Max(20, Error.Profile.Width);
        var rows = Wrap(Fit(TerminalSafeWriter.Sanitize(text), width), width).Select(r => r + new string(' ', width - Cells(r)));
        lock (_gate) Error.Write(new Text(string.Join("\n", rows) + "\n", style ?? Style.Plain));
    }

    /// <summary>How many terminal cells <paramref name="text"/> takes.</summary>
    public static int Cells(string text) => new Segment(text).CellCount();

    /// <summary>
    /// <paramref name="line"/> made to fit <paramref name="width"/> cells by shortening its paths in the middle (longest
    /// first; the file name always stays whole: <c>/tmp/…/ft-lr1e-3-s2.safetensors</c>), as far as that goes; numbers
    /// and words are never shortened, so what still does not fit is wrapped.
    /// </summary>
    public static string Fit(string line, int width)
    {
        if (Cells(line) <= width || line.Contains('\n')) return line;
        var tokens = line.Split(' ');
        foreach (var i in Enumerable.Range(0, tokens.Length).Where(i => tokens[i].Contains('/')).OrderByDescending(i => Cells(tokens[i])).ToList())
        {
            var excess = Cells(string.Join(' ', tokens)) - width;
            if (excess <= 0) break;
            tokens[i] = ShortenMiddle(tokens[i], Cells(tokens[i]) - excess);
        }
        return string.Join(' ', tokens);
    }

    // The path cut to at most `target` cells where it can be: as many of its first characters as fit, "…/", and its file
    // name whole (just "…/name" when nothing more fits).
    private static string ShortenMiddle(string path, int target)
    {
        var name = path[(path.LastIndexOf('/') + 1)..];
        var shortened = path[..Fitting(path, target - Cells(name) - 2)] + "…/" + name;
        return Cells(shortened) < Cells(path) ? shortened : path;
    }

    /// <summary>Rows of at most <paramref name="width"/> cells, broken at spaces where possible.</summary>
    public static IReadOnlyList<string> Wrap(string text, int width)
    {
        var rows = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            var rest = line.TrimEnd();
            while (Cells(rest) > width)
            {
                var fits = Fitting(rest, width);
                var cut = rest.LastIndexOf(' ', Math.Min(fits, rest.Length - 1));
                if (cut <= 0) cut = Math.Max(1, fits); // one long word (a path): split it
                rows.Add(rest[..cut]);
                rest = rest[cut..].TrimStart();
            }
            rows.Add(rest);
        }
        return rows;
    }

    // How many characters of `text` fit in `width` cells (none when `width` is negative; a surrogate pair is never split).
    private static int Fitting(string text, int width)
    {
        int count = 0, cells = 0;
        while (count < text.Length)
        {
            var length = char.IsHighSurrogate(text[count]) && count + 1 < text.Length ? 2 : 1;
            cells += Cells(text.Substring(count, length));
            if (cells > width) break;
            count += length;
        }
        return count;
    }
}
