using System.Text.RegularExpressions;
using Soups.Cli.Terminal;
using Spectre.Console.Testing;

namespace Soups.Cli.Tests.Commands;

/// <summary>
/// Issue #13: what a person sees on a terminal. The interactive path is rendered on Spectre's test console
/// (interactive, ANSI, fixed width) and played through a small terminal emulator.
/// </summary>
public partial class TerminalTests
{
    private sealed record ScreenRun(int ExitCode, IReadOnlyList<string> Error, IReadOnlyList<string> Output, List<string> Mixed, string Plain,
        List<string> Wrapped);

    private static ScreenRun RunOnScreen(int width, params string[] args) => RunOnScreen(width, 50, args);

    private static ScreenRun RunOnScreen(int width, int height, params string[] args)
    {
        var errorConsole = new TestConsole().Width(width).Height(height).Interactive().EmitAnsiSequences();
        var outputConsole = new TestConsole().Width(width).Height(height).EmitAnsiSequences();
        var output = new StringWriter();
        var error = new StringWriter();
        var code = SoupCli.RunAsync(args, output, error, new Screen(errorConsole, outputConsole)).GetAwaiter().GetResult();
        if (Environment.GetEnvironmentVariable("SOUP_SCREEN_DUMP") is { Length: > 0 } dump)
            File.WriteAllText(dump + "." + width + "." + args[0], errorConsole.Output.Replace("\u001b", "ESC"));
        // A row with a bar (━) must be only the bar's own line: a phase's detail, the bar, percent and time.
        var errorScreen = new ScreenEmulator(width).Play(errorConsole.Output, row => row.Contains('━') && !BarRow().IsMatch(row.TrimEnd()));
        var outputScreen = new ScreenEmulator(width).Play(outputConsole.Output + output, _ => false);
        return new ScreenRun(code, errorScreen.Rows, outputScreen.Rows, errorScreen.MixedRows, error.ToString(),
            [.. errorScreen.WrappedRows, .. outputScreen.WrappedRows]);
    }

    [GeneratedRegex(@"^\S.*\s━+\s+\d+%\s+(\d\d:\d\d:\d\d|-+:-+:-+|\S*)$")]
    private static partial Regex BarRow();

    private static string[] Greedy(TempFolder temp, params string[] extra) =>
    [
        "greedy", .. SmallSample.Ingredients, "--model", "digits-cnn", "--heldout", SmallSample.HeldOut, "--test", "test=" + SmallSample.Test,
        "-o", temp.File("greedy.safetensors"), "--results", temp.File("evals.jsonl"), .. extra,
    ];

    [Fact]
    public void Greedy_on_a_terminal_shows_each_step_once_whole_and_from_column_zero_with_no_bar_mixed_in()
    {
        using var temp = new TempFolder();
        var run = RunOnScreen(120, Greedy(temp));
        Assert.True(run.ExitCode == 0, string.Join("\n", run.Error) + run.Plain);
        Assert.Empty(run.Mixed);

        // The live display is gone at the end; what stays on stderr is one line per step, each starting at column 0.
        Assert.True(!run.Error.Any(r => r.Contains('━')), string.Join("\n", run.Error));
        var steps = run.Error.Where(r => r.StartsWith("step ", StringComparison.Ordinal)).ToList();
        Assert.Equal(SmallSample.Ingredients.Length - 1, steps.Count);
        Assert.Single(run.Error, r => r.StartsWith("start: ", StringComparison.Ordinal));
        Assert.All(steps, s => Assert.Matches(@"held-out \d+\.\d\d% (accepted|rejected) \(soup of \d+\)$", s));
        Assert.All(run.Error.Where(r => r.Length > 0), r => Assert.False(char.IsWhiteSpace(r[0]), $"'{r}' does not start at column 0"));

        // The summary does not repeat the steps; its scores are a table that fits.
        Assert.DoesNotContain(run.Output, r => r.Contains("rejected", StringComparison.Ordinal));
        Assert.Contains(run.Output, r => r.Contains("best individual", StringComparison.Ordinal) && r.Contains('│'));
        Assert.All(run.Output, r => Assert.True(r.Length <= 120, r));
    }

    [Fact]
    public void Long_paths_are_shortened_in_the_middle_to_fit_keeping_the_file_name_and_the_numbers()
    {
        var path = "/tmp/" + new string('x', 90) + "/samples/digits/ingredients/ft-lr1e-3-s2.safetensors";
        var line = $"step 3: + {path} -> held-out 95.80% rejected (soup of 1)";
        var fitted = Screen.Fit(line, 120);
        Assert.True(fitted.Length <= 120, fitted);
        Assert.Matches(@"^step 3: \+ /tmp/x+…/ft-lr1e-3-s2\.safetensors -> held-out 95\.80% rejected \(soup of 1\)$", fitted);
        Assert.Equal("step 3: + a/b.pt -> held-out 95.80%", Screen.Fit("step 3: + a/b.pt -> held-out 95.80%", 120));
        // Too narrow for even the file name: nothing but the path is touched, and the rest is left to wrapping.
        Assert.Contains("held-out 95.80% rejected", Screen.Fit(line, 30));
    }

    [Fact]
    public void At_80_by_24_every_step_stays_on_one_row_once_step_numbers_have_two_digits()
    {
        using var temp = new TempFolder();
        var run = RunOnScreen(80, 24, ["greedy", .. Fixture.SampleIngredients(), "--model", "digits-cnn", "--heldout", SmallSample.HeldOut,
            "-o", temp.File("greedy.safetensors"), "--results", temp.File("evals.jsonl")]);
        Assert.True(run.ExitCode == 0, run.Plain);
        Assert.Empty(run.Mixed);
        Assert.Empty(run.Wrapped);
        var steps = run.Error.Where(r => r.StartsWith("step ", StringComparison.Ordinal)).ToList();
        Assert.Equal(11, steps.Count);
        Assert.Contains(steps, s => s.StartsWith("step 11: ", StringComparison.Ordinal));
        // Whole on its row: the row ends with the line's end, and no fragment of a line starts a row of its own.
        Assert.All(steps, s => Assert.Matches(@"^step \d+: \+ \S+\.safetensors -> held-out \d+\.\d\d% (accepted|rejected) \(soup of \d+\)$", s));
        Assert.Matches(@"^start: \S+\.safetensors -> held-out \d+\.\d\d% \(the best individual\)$", Assert.Single(run.Error, r => r.StartsWith("start: ", StringComparison.Ordinal)));
        Assert.All(run.Error, r => Assert.True(r.Length <= 80, r));
        Assert.DoesNotContain(run.Error, r => Regex.IsMatch(r, @"^\(?(soup )?(of )?\d+\)$"));
    }

    [Fact]
    public void Lines_are_fitted_by_their_width_in_cells_so_wide_characters_never_make_the_terminal_wrap()
    {
        var line = "step 10: + /data/模型スープ/実験/ft-lr1e-4-a2.safetensors -> held-out 93.40% rejected (soup of 1)";
        var fitted = Screen.Fit(line, 80);
        Assert.True(Screen.Cells(fitted) <= 80, fitted);
        Assert.EndsWith("-> held-out 93.40% rejected (soup of 1)", fitted);
        var twoDigits = Screen.Fit("step 10: + samples/digits/ingredients/ft-lr1e-4-a2.safetensors -> held-out 93.40% rejected (soup of 1)", 80);
        Assert.True(twoDigits.Length <= 80, twoDigits);

        // Written through Spectre at 40 columns: as many rows as the fitting made, none wider than the terminal.
        var console = new TestConsole().Width(40).Interactive();
        new Screen(console, null).Line("漢字のファイル名 " + new string('字', 30) + " and some words after it");
        var rows = console.Output.TrimEnd('\n').Split('\n');
        Assert.All(rows, r => Assert.True(Screen.Cells(r) <= 40, r));
        Assert.Equal(Screen.Wrap(Screen.Fit("漢字のファイル名 " + new string('字', 30) + " and some words after it", 40), 40).Count, rows.Length);
    }

    [Fact]
    public void Narrow_terminal_wraps_lines_without_cutting_numbers()
    {
        using var temp = new TempFolder();
        var run = RunOnScreen(60, Greedy(temp));
        Assert.True(run.ExitCode == 0, run.Plain);
        Assert.Empty(run.Mixed);
        Assert.All(run.Error.Concat(run.Output), r => Assert.True(r.Length <= 60, r));
        Assert.Empty(run.Wrapped);
        // Every accuracy printed in full, none cut at the edge.
        var text = string.Join("\n", run.Error);
        Assert.Equal(SmallSample.Ingredients.Length - 1, Regex.Matches(text, @"held-out\s+\d+\.\d\d%\s+(accepted|rejected)").Count);
    }

    [Fact]
    public void Quiet_shows_only_the_summary()
    {
        using var temp = new TempFolder();
        var run = RunOnScreen(120, Greedy(temp, "-q"));
        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.Error);
        Assert.Contains(run.Output, r => r.Contains("greedy soup", StringComparison.Ordinal));
        // Without the live steps, the summary keeps greedy's step table.
        Assert.Contains(run.Output, r => r.Contains("rejected", StringComparison.Ordinal));
    }

    [Fact]
    public void Compare_prints_a_table_on_a_terminal_and_markdown_only_in_its_report()
    {
        using var temp = new TempFolder();
        var folder = temp.File("cmp");
        var run = RunOnScreen(100, ["compare", .. SmallSample.Ingredients.Take(3), "--model", "digits-cnn", "--heldout", SmallSample.HeldOut,
            "--out-dir", folder, "--strategies", "uniform,greedy,ensemble", "--results", temp.File("evals.jsonl")]);
        Assert.True(run.ExitCode == 0, run.Plain);
        Assert.Empty(run.Mixed);
        Assert.DoesNotContain(run.Output, r => r.Contains("|---", StringComparison.Ordinal));
        Assert.Contains(run.Output, r => r.Contains("uniform soup", StringComparison.Ordinal) && r.Contains('│'));
        Assert.Contains("|---|", File.ReadAllText(Path.Combine(folder, "report.md")));
    }

    [Fact]
    public void Without_a_terminal_lines_stay_plain_as_in_ci_logs()
    {
        using var temp = new TempFolder();
        var result = CliRun.Run(Greedy(temp));
        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain('\u001b', result.Error + result.Output);
        Assert.Contains(result.ErrorLines, l => l.StartsWith("step 1: ", StringComparison.Ordinal));
        Assert.Contains("rejected", result.Output); // the step table is in the summary
    }
}
