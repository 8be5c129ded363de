using System.Text.Json;

namespace Soups.Cli.Tests.Commands;

/// <summary>
/// The lines a log shows while a run works (no terminal: CI, a pipe): progress with its total, each line saying which
/// soup it is about, and a warning when a choice on the held-out split lies at the edge of what was tried.
/// </summary>
public class ProgressLinesTests
{
    private static string[] Three => SmallSample.Ingredients[..3];

    private static string Start => Fixture.Sample("pretrained/start.safetensors");

    private static string[] Evaluate(TempFolder temp) =>
        ["--model", "digits-cnn", "--heldout", SmallSample.HeldOut, "--results", temp.File("evals.jsonl")];

    [Fact]
    public void Search_progress_in_a_log_says_how_many_subset_soups_of_how_many()
    {
        using var temp = new TempFolder();
        var result = CliRun.Run(["search", .. Three, .. Evaluate(temp), "-o", temp.File("search.safetensors")]);
        Assert.True(result.ExitCode == 0, result.Error);
        // Three ingredients: 7 subsets, of which the 4 with two or more members are mixed.
        Assert.Contains("scored 1 of 4 subset soups", result.Error);

        var beam = CliRun.Run(["search", .. Three, .. Evaluate(temp), "--beam", "1", "-o", temp.File("beam.safetensors")]);
        Assert.True(beam.ExitCode == 0, beam.Error);
        Assert.Contains("scored 1 of at most ", beam.Error);
    }

    [Fact]
    public void Each_epoch_line_of_a_comparison_names_the_learned_soup_it_belongs_to()
    {
        using var temp = new TempFolder();
        var result = CliRun.Run(["compare", .. Three, .. Evaluate(temp), "--strategies", "learned,learned-layer", "--set", "learned.epochs=1",
            "--out-dir", temp.File("cmp")]);
        Assert.True(result.ExitCode == 0, result.Error);
        var epochs = result.ErrorLines.Where(l => l.Contains("epoch 1/1", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, epochs.Count);
        Assert.StartsWith("learned soup (by model), epoch 1/1: held-out loss ", epochs[0]);
        Assert.StartsWith("learned soup (by layer), epoch 1/1: held-out loss ", epochs[1]);
    }

    [Fact]
    public void A_scale_chosen_at_the_edge_of_its_grid_is_warned_of_with_a_wider_grid_to_try()
    {
        using var temp = new TempFolder();
        var output = temp.File("ta.safetensors");
        // From the pretrained start (its head untrained), held-out accuracy only rises over these two scales.
        var result = CliRun.Run(["task-arithmetic", .. Three, "--base", Start, .. Evaluate(temp), "--scales", "0,0.1", "-o", output]);
        Assert.True(result.ExitCode == 0, result.Error);
        const string warning = "best at the edge of the grid (λ = 0.1, the largest tried); try --scales 0:0.2:0.1";
        Assert.Single(result.ErrorLines, l => l == "warning: " + warning);
        using var report = JsonDocument.Parse(File.ReadAllText(output + ".report.json"));
        Assert.Contains(warning, report.RootElement.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
    }

    [Fact]
    public void Alpha_one_of_an_interpolation_is_one_of_the_two_checkpoints_not_an_edge_to_warn_of()
    {
        using var temp = new TempFolder();
        var output = temp.File("wise.safetensors");
        var result = CliRun.Run(["interpolate", Start, Three[0], .. Evaluate(temp), "--alphas", "0,0.5,1", "-o", output, "--json"]);
        Assert.True(result.ExitCode == 0, result.Error);
        using var report = JsonDocument.Parse(result.Output);
        Assert.Equal(1, report.RootElement.GetProperty("details").GetProperty("alpha").GetDouble());
        Assert.DoesNotContain("edge of the grid", result.Error);
    }
}
