using System.Text.Json;
using Soups.Checkpoints;
using Soups.Evaluation;
using Soups.Models;
using Soups.Baking;
using Soups.Ingredients;
using Soups.Strategies;
using TorchSharp;

namespace Soups.Tests.Models;

/// <summary>soup's CLIP ViT against an independent PyTorch forward pass (Fixtures/clip-ref/make_clip_fixtures.py).</summary>
public class ClipReferenceTests
{
    private static string Clip(string name) => Fixture.Clip(name);

    [Theory]
    [InlineData("clip_tiny_base.pt", "clip_inputs.safetensors", 1)]
    [InlineData("clip_small2.pt", "clip_small2_inputs.safetensors", 2)]
    public void Logits_match_the_pytorch_reference(string checkpoint, string inputs, int heads)
    {
        using var reader = KnownCheckpointFormats.Open(Clip(checkpoint));
        var family = new ClipViTFamily();
        Assert.Equal(heads, family.Infer(reader.Tensors).Config.Heads);
        using var model = family.Create(reader.Tensors, torch.CPU);
        WeightLoading.Load(model, reader);
        var data = Fixture.ReadAll(Clip(inputs));
        using var logits = model.Forward(data["inputs"]);
        using var difference = (logits - data["logits"]).abs().max();
        Assert.True(difference.item<float>() <= 1e-4, $"max |Δ| = {difference.item<float>()}");
    }

    [Fact]
    public void Fine_tunes_and_their_uniform_soup_score_as_in_pytorch()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Clip("expected.json")));
        var paths = Enumerable.Range(0, 4).Select(i => Clip($"clip_tiny_ft{i}.pt")).ToArray();
        using var set = IngredientSet.Open(paths, ReadOptions.Default);
        using var split = TensorFileSplit.Open(Clip("clip_heldout.safetensors"), null);
        using var evaluator = new Evaluator(new ClipViTFamily(), set.Layout, torch.CPU, 16, EvaluationCache.None);
        foreach (var reader in set.Readers)
        {
            var expected = doc.RootElement.GetProperty("fine_tunes").GetProperty(Path.GetFileName(reader.Path));
            var result = evaluator.Score(reader, split);
            Assert.Equal(expected.GetProperty("correct").GetInt64(), result.Correct);
            Assert.Equal(expected.GetProperty("loss").GetDouble(), result.Loss, 4);
        }
        using var soup = SoupState.Build(set, WeightedMean.Uniform(set.Count), torch.CPU, new List<string>());
        var uniform = evaluator.Score(soup.Tensors, "uniform", split);
        Assert.Equal(doc.RootElement.GetProperty("uniform").GetProperty("correct").GetInt64(), uniform.Correct);
    }
}
