using System.Text.Json;

namespace Soups.Cli.Tests.Commands;

/// <summary>
/// compare takes each strategy's settings as <c>--set STRATEGY.SETTING=VALUE</c>, and a shared one as
/// <c>--set SETTING=VALUE</c> for every strategy that takes it; a mistake in either part is refused before anything
/// runs, with the nearest names.
/// </summary>
public class CompareSettingsTests
{
    private static string[] Compare(string folder, params string[] more) =>
    [
        "compare", Fixture.Eval("digits_cnn_a.pt"), Fixture.Eval("digits_cnn_b.pt"), "--model", "digits-cnn",
        "--heldout", Fixture.Eval("heldout.safetensors"), "--out-dir", folder, "--no-cache", "-q", .. more,
    ];

    // A usage error: its line, then where to read the usage.
    private static void Refused(CliResult result, string expected)
    {
        Assert.True(result.ExitCode == 2, result.Error);
        Assert.Equal(["error: ", "Try 'soup compare --help' for usage."], [result.ErrorLines[0][..7], result.ErrorLines[1]]);
        Assert.Contains(expected, result.ErrorLines[0]);
    }

    public static TheoryData<string, string> Mistakes() => new()
    {
        { "ties.densty=0.5", "--set ties.densty: ties has no setting 'densty'; did you mean density?" },
        { "tyes.density=0.5", "--set tyes.density: unknown strategy 'tyes'; did you mean ties?" },
        { "ties.density=2", "--set ties.density=2: must lie in (0, 1], got 2" },
        { "ties.epochs=1", "--set ties.epochs: ties has no setting 'epochs' (learned has it)" },
        { "learned.epochs=many", "--set learned.epochs=many: expected an integer, got 'many'" },
        { "greedy.accept=gte", "--set greedy.accept=gte: unknown value 'gte' (choose gt, ge)" },
        { "learned-layer.epochs=1", "--set learned-layer.epochs: learned-layer is a row of learned: write learned.epochs" },
        { "learned.granularity=layer", "each of learned's rows in a comparison (learned, learned-layer) sets granularity itself" },
        { "search.shard=0/2", "--set search.shard: search's row in a comparison sets shard itself" },
        { "model-stock.ratio=1", "--set model-stock.ratio: model-stock has no settings" },
        { "epochs=1", "--set epochs: only learned has it: write learned.epochs=VALUE" },
        { "scales=0,x", "--set scales=0,x: 'x' is not a finite number" },
        { "scael=1", "--set scael: no strategy has a setting 'scael'; did you mean scale?" },
        { "density", "--set: expected STRATEGY.SETTING=VALUE, got 'density'" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void A_mistake_in_either_part_is_one_line_before_anything_runs(string setting, string expected)
    {
        using var temp = new TempFolder();
        Refused(CliRun.Run(Compare(temp.File("cmp"), "--set", setting)), expected);
        Assert.False(Directory.Exists(temp.File("cmp")));
    }

    [Fact]
    public void A_setting_given_twice_and_a_strategy_option_on_compare_are_refused_with_the_way_to_write_them()
    {
        using var temp = new TempFolder();
        Refused(CliRun.Run(Compare(temp.File("cmp"), "--set", "scale=1", "--set", "scale=2")), "--set scale: given twice");
        Refused(CliRun.Run(Compare(temp.File("cmp"), "--epochs", "1")),
            "unknown option '--epochs' for compare (learned has it); compare takes a strategy's settings as --set learned.epochs=VALUE");
        Refused(CliRun.Run(Compare(temp.File("cmp"), "--scale", "1")),
            "(task-arithmetic and ties have it); compare takes a strategy's settings as --set STRATEGY.SETTING=VALUE");
    }

    [Fact]
    public void A_shared_setting_goes_to_each_strategy_that_takes_it_and_a_strategys_own_wins()
    {
        using var temp = new TempFolder();
        var start = temp.File("start.safetensors"); // a stand-in base the two share: their mean
        var mean = CliRun.Run(["uniform", Fixture.Eval("digits_cnn_a.pt"), Fixture.Eval("digits_cnn_b.pt"), "-o", start, "-q"]);
        Assert.Equal(0, mean.ExitCode);
        var folder = temp.File("cmp");
        var result = CliRun.Run(Compare(folder, "--base", start, "--strategies", "task-arithmetic,ties",
            "--set", "ties.scales=0,1", "--set", "scales=0,0.5", "--set", "ties.density=0.5"));
        Assert.True(result.ExitCode == 0, result.Error);

        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "report.json")));
        var soups = report.RootElement.GetProperty("soups");
        double[] Scales(string soup) =>
            soups.GetProperty(soup).GetProperty("settings").GetProperty("scales").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal([0, 0.5], Scales("task-arithmetic"));
        Assert.Equal([0, 1], Scales("ties"));
        Assert.Equal(0.5, soups.GetProperty("ties").GetProperty("settings").GetProperty("density").GetDouble());
        Assert.False(soups.GetProperty("task-arithmetic").GetProperty("settings").TryGetProperty("density", out _));
    }
}
