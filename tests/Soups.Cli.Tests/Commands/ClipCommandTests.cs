using System.Text.Json;
using Soups.Checkpoints;
using TorchSharp;

namespace Soups.Cli.Tests.Commands;

/// <summary>greedy, learned and compare end to end on small CLIP-layout checkpoints (issue #5).</summary>
public class ClipCommandTests
{
    private static string Clip(string name) => Fixture.Clip(name);

    private static string[] Inputs => Enumerable.Range(0, 4).Select(i => Clip($"clip_tiny_ft{i}.pt")).ToArray();

    private static string[] Evaluation => ["--model", "clip-vit", "--heldout", Clip("clip_heldout.safetensors"), "--batch-size", "16", "--no-cache", "-q"];

    [Theory]
    [InlineData("greedy")]
    [InlineData("learned")]
    public void Soups_of_clip_checkpoints_are_baked_and_carry_the_text_tower(string strategy)
    {
        using var temp = new TempFolder();
        var output = temp.File("soup.safetensors");
        var extra = strategy == "learned" ? new[] { "--epochs", "1", "--granularity", "layer" } : [];
        var result = CliRun.Run([strategy, .. Inputs, .. Evaluation, "-o", output, "--json", .. extra]);
        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal(3, json.RootElement.GetProperty("scores").GetArrayLength());

        using var soup = KnownCheckpointFormats.Open(output);
        using var expected = KnownCheckpointFormats.Open(Inputs[0]);
        Assert.Equal(expected.Tensors.Select(t => t.Name), soup.Tensors.Select(t => t.Name));
        // The text-side tensors are carried into the soup as the recipe's weighted mean, not dropped.
        var weights = json.RootElement.GetProperty("ingredients").EnumerateArray().Select(i => i.GetProperty("weight").GetDouble()).ToArray();
        if (strategy == "greedy")
        {
            using var mean = Inputs.Select((p, i) =>
            {
                using var r = KnownCheckpointFormats.Open(p);
                return r.Read("model.token_embedding.weight").to(torch.float64) * weights[i];
            }).Aggregate((a, b) => a + b);
            using var actual = soup.Read("model.token_embedding.weight").to(torch.float64);
            using var error = (mean - actual).abs().max();
            Assert.True(error.item<double>() < 1e-6);
        }
    }

    [Fact]
    public void Compare_runs_every_method_on_clip_checkpoints()
    {
        using var temp = new TempFolder();
        var result = CliRun.Run(["compare", .. Inputs, .. Evaluation, "--out-dir", temp.File("cmp"), "--set", "learned.epochs=1"]);
        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(temp.File("cmp"), "report.json")));
        Assert.Equal(7, json.RootElement.GetProperty("methods").GetArrayLength());
    }
}
