using System.Text.Json;
using Soups.Checkpoints;

namespace Soups.Cli.Tests.Commands;

public class GreedyCommandTests
{
    private static string[] Greedy(TempFolder temp, IEnumerable<string> ingredients, params string[] extra) =>
    [
        "greedy", .. ingredients, "--model", "digits-cnn", "--heldout", SmallSample.HeldOut,
        "-o", temp.File("greedy.safetensors"), "--results", temp.File("evals.jsonl"), "--force", .. extra,
    ];

    private static int IngredientRecords(string results, IEnumerable<string> ingredients)
    {
        var full = ingredients.Select(Path.GetFullPath).ToHashSet();
        return File.ReadLines(results).Count(line =>
        {
            try
            {
                using var doc = JsonDocument.Parse(line);
                return full.Contains(doc.RootElement.GetProperty("checkpoint").GetString()!);
            }
            catch (JsonException)
            {
                return false; // the torn line
            }
        });
    }

    [Fact]
    public void Reports_every_step_and_a_final_table_and_writes_a_report_next_to_the_soup()
    {
        using var temp = new TempFolder();
        var ingredients = SmallSample.Ingredients;
        var result = CliRun.Run(Greedy(temp, ingredients, "--test", "test=" + SmallSample.Test));
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("best individual", result.Output);
        Assert.Contains("uniform soup", result.Output);
        Assert.Contains("greedy soup", result.Output);
        Assert.Equal(ingredients.Length - 1, result.Output.Split('\n').Count(l => l.Contains("accepted") || l.Contains("rejected")));

        using var report = JsonDocument.Parse(File.ReadAllText(temp.File("greedy.safetensors.report.json")));
        var details = report.RootElement.GetProperty("details");
        Assert.Equal("gt", details.GetProperty("accept").GetString());
        // Settings are typed JSON values: a number is a number, a choice its text.
        var settings = report.RootElement.GetProperty("settings");
        Assert.Equal(1, settings.GetProperty("passes").GetInt32());
        Assert.Equal("gt", settings.GetProperty("accept").GetString());
        Assert.Equal(ingredients.Length - 1, details.GetProperty("steps").GetArrayLength());
        var scores = report.RootElement.GetProperty("scores").EnumerateArray().ToList();
        Assert.Equal(3, scores.Count);
        Assert.All(scores, s => Assert.True(s.GetProperty("tests").TryGetProperty("test", out _)));
        // The written soup's held-out score is the greedy run's final score.
        Assert.Equal(details.GetProperty("held_out_accuracy").GetDouble(),
            scores[2].GetProperty("held_out").GetProperty("accuracy").GetDouble(), 6);
    }

    [Fact]
    public void A_second_run_reuses_cached_scores_and_a_new_checkpoint_is_the_only_one_evaluated()
    {
        using var temp = new TempFolder();
        var all = SmallSample.Ingredients;
        var first = all[..^1];
        Assert.Equal(0, CliRun.Run(Greedy(temp, first, "-q")).ExitCode);
        var results = temp.File("evals.jsonl");
        Assert.Equal(first.Length, IngredientRecords(results, all));

        var again = CliRun.Run(Greedy(temp, first, "--json"));
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(first.Length, IngredientRecords(results, all));
        using (var json = JsonDocument.Parse(again.Output))
            Assert.All(json.RootElement.GetProperty("details").GetProperty("scores").EnumerateArray(),
                s => Assert.True(s.GetProperty("cached").GetBoolean()));

        // A torn last line (a kill mid-write) is ignored and does not corrupt the next append.
        File.AppendAllText(results, "{\"checkpoint\": \"/torn");
        Assert.Equal(0, CliRun.Run(Greedy(temp, all, "-q")).ExitCode);
        Assert.Equal(all.Length, IngredientRecords(results, all));
        Assert.Contains(File.ReadLines(results), l => l == "{\"checkpoint\": \"/torn");
    }

    [Fact]
    public void Sharded_eval_results_merge_into_greedy_without_re_evaluating()
    {
        using var temp = new TempFolder();
        var ingredients = SmallSample.Ingredients;
        var common = new[] { "--model", "digits-cnn", "--heldout", SmallSample.HeldOut, "-q" };
        var shard0 = CliRun.Run(["eval", .. ingredients, .. common, "--shard", "0/2", "--results", temp.File("s0.jsonl"), "--json"]);
        var shard1 = CliRun.Run(["eval", .. ingredients, .. common, "--shard", "1/2", "--results", temp.File("s1.jsonl"), "--json"]);
        Assert.Equal(0, shard0.ExitCode);
        Assert.Equal(0, shard1.ExitCode);
        Assert.Equal(ingredients.Length, File.ReadLines(temp.File("s0.jsonl")).Count() + File.ReadLines(temp.File("s1.jsonl")).Count());

        var greedy = CliRun.Run(["greedy", .. ingredients, .. common, "-o", temp.File("soup.safetensors"),
            "--results", temp.File("merged.jsonl"), "--results", temp.File("s0.jsonl"), "--results", temp.File("s1.jsonl"), "--json"]);
        Assert.Equal(0, greedy.ExitCode);
        using var json = JsonDocument.Parse(greedy.Output);
        Assert.All(json.RootElement.GetProperty("details").GetProperty("scores").EnumerateArray(),
            s => Assert.True(s.GetProperty("cached").GetBoolean()));
    }

    [Theory]
    [InlineData("tensor names do not match the model", "model")]
    [InlineData("labels must lie in", "labels")]
    [InlineData("i/n", "shard")]
    [InlineData("neither a file nor a built-in model", "unknown-model")]
    public void Evaluation_errors_exit_2_with_one_line(string expected, string kind)
    {
        using var temp = new TempFolder();
        var badLabels = temp.File("bad.safetensors");
        if (kind == "labels") WriteBadLabels(badLabels);
        string[] args = kind switch
        {
            "model" => ["eval", Fixture.PyTorch("ingredient_0.pt"), "--model", "digits-cnn", "--heldout", SmallSample.HeldOut, "--no-cache"],
            "labels" => ["eval", SmallSample.Ingredients[0], "--model", "digits-cnn", "--heldout", badLabels, "--no-cache"],
            "shard" => ["eval", SmallSample.Ingredients[0], "--model", "digits-cnn", "--heldout", SmallSample.HeldOut, "--shard", "2/2"],
            _ => ["eval", SmallSample.Ingredients[0], "--model", "vit-huge", "--heldout", SmallSample.HeldOut],
        };
        var result = CliRun.Run(args);
        Assert.Equal(2, result.ExitCode);
        var error = Assert.Single(result.ErrorLines, l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains(expected, error);
    }

    private static void WriteBadLabels(string path)
    {
        using var reader = Soups.Checkpoints.KnownCheckpointFormats.Open(SmallSample.HeldOut);
        var inputs = reader.Read("inputs");
        var labels = reader.Read("labels");
        labels[0] = TorchSharp.torch.tensor(10L);
        var layout = new List<Soups.Checkpoints.TensorInfo> { new("inputs", inputs.dtype, inputs.shape), new("labels", labels.dtype, labels.shape) };
        using var stream = File.Create(path);
        Soups.Checkpoints.KnownCheckpointFormats.Safetensors.Writer!.Write(stream, layout,
            i => i.Name == "inputs" ? inputs.clone() : labels.clone(), new Dictionary<string, string>());
    }
}
