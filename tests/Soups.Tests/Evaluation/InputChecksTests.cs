using System.Text.Json;
using Soups.Checkpoints;
using Soups.Evaluation;
using Soups.Models;
using Soups.Baking;
using Soups.Ingredients;
using Soups.Strategies;
using Soups.Strategies.BuiltIn;
using Soups.Tests.Strategies;
using TorchSharp;

namespace Soups.Tests.Evaluation;

/// <summary>
/// Issue #8: held-out data that does not fit the model is one line naming the split, its input shape and the model;
/// non-finite numbers are recorded, never a crash; every setting that changes a result is in the cache key.
/// </summary>
public class InputChecksTests
{
    private static int Correct(string key)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixture.Eval("expected.json")));
        return doc.RootElement.GetProperty(key).GetProperty("correct").GetInt32();
    }

    private static string SplitWith(TempFolder temp, Func<torch.Tensor, torch.Tensor> inputs)
    {
        var split = Fixture.ReadAll(Fixture.Eval("heldout.safetensors"));
        var path = temp.File("split.safetensors");
        var changed = new Dictionary<string, torch.Tensor> { ["inputs"] = inputs(split["inputs"]), ["labels"] = split["labels"] };
        Fixture.WriteSafetensors(path, changed);
        changed["inputs"].Dispose();
        Fixture.DisposeAll(split);
        return path;
    }

    // digits_cnn_a.pt with one tensor filled with NaN.
    private static string WithNaN(TempFolder temp, string tensor)
    {
        var weights = Fixture.ReadAll(Fixture.Eval("digits_cnn_a.pt"));
        weights[tensor].fill_(double.NaN);
        var broken = temp.File("broken.safetensors");
        Fixture.WriteSafetensors(broken, weights);
        Fixture.DisposeAll(weights);
        return broken;
    }

    [Fact]
    public void Float16_inputs_are_evaluated_as_float32()
    {
        using var temp = new TempFolder();
        var path = SplitWith(temp, x => x.to(torch.float16));
        using var reader = KnownCheckpointFormats.Open(Fixture.Eval("digits_cnn_a.pt"));
        using var split = HeldOutSplits.Open(path, null, null);
        using var evaluator = new Evaluator(new DigitsCnnFamily(), reader.Tensors, torch.CPU, 64, EvaluationCache.None);
        evaluator.Probe(split);
        // Rounding the inputs to float16 may flip a prediction or two; what matters is that it runs as float32.
        Assert.InRange(evaluator.Score(reader, split).Correct, Correct("a") - 3, Correct("a") + 3);
    }

    [Theory]
    [InlineData("[3, 28, 28]", 3, 28)]
    [InlineData("[1, 32, 32]", 1, 32)]
    public void Inputs_that_do_not_fit_the_model_are_one_line_naming_split_shape_and_model(string shape, int channels, int size)
    {
        using var temp = new TempFolder();
        var path = SplitWith(temp, x => torch.nn.functional.interpolate(x, [size, size]).expand(-1, channels, -1, -1).contiguous());
        using var reader = KnownCheckpointFormats.Open(Fixture.Eval("digits_cnn_a.pt"));
        using var split = HeldOutSplits.Open(path, null, null);
        using var evaluator = new Evaluator(new DigitsCnnFamily(), reader.Tensors, torch.CPU, 64, EvaluationCache.None);
        var error = Assert.ThrowsAny<SoupException>(() => evaluator.Probe(split));
        Assert.Contains(path, error.Message);
        Assert.Contains($"inputs of shape {shape} do not fit the model digits-cnn", error.Message);
        Assert.DoesNotContain("\n", error.Message.Trim());
    }

    [Fact]
    public void One_dimensional_inputs_are_refused_when_the_split_is_opened()
    {
        using var temp = new TempFolder();
        var path = SplitWith(temp, x => x.flatten(1)[.., 0].contiguous());
        var error = Assert.ThrowsAny<SoupException>(() => HeldOutSplits.Open(path, null, null).Dispose());
        Assert.Contains("'inputs' must be [examples, ...]", error.Message);
    }

    [Fact]
    public void Nan_weights_give_a_nan_score_that_is_cached_and_read_back()
    {
        using var temp = new TempFolder();
        var broken = WithNaN(temp, "fc.bias");
        var results = temp.File("results.jsonl");
        var warnings = new List<string>();
        using (var reader = KnownCheckpointFormats.Open(broken))
        using (var split = HeldOutSplits.Open(Fixture.Eval("heldout.safetensors"), null, null))
        using (var evaluator = new Evaluator(new DigitsCnnFamily(), reader.Tensors, torch.CPU, 64, new EvaluationCache([results])))
        {
            evaluator.OnWarning = warnings.Add;
            var first = evaluator.Score(reader, split);
            Assert.True(double.IsNaN(first.Loss));
            Assert.True(double.IsNaN(first.Accuracy));
            evaluator.Score(reader, split);
        }
        Assert.Single(warnings);
        Assert.Contains("broken.safetensors", warnings[0]);
        var cache = new EvaluationCache([results]);
        var record = Assert.Single(cache.Records);
        Assert.True(double.IsNaN(record.Loss));
    }

    [Fact]
    public void A_nan_ingredient_simply_loses_in_greedy()
    {
        using var temp = new TempFolder();
        var broken = WithNaN(temp, "head.weight");
        using var set = IngredientSet.Open([broken, Fixture.Eval("digits_cnn_a.pt"), Fixture.Eval("digits_cnn_b.pt")], ReadOptions.Default);
        using var split = HeldOutSplits.Open(Fixture.Eval("heldout.safetensors"), null, null);
        using var evaluator = new Evaluator(new DigitsCnnFamily(), set.Layout, torch.CPU, 64, EvaluationCache.None);
        var recipe = Plans.Greedy(set, evaluator, split, AcceptRule.Greater);
        var details = (GreedySoup.Result)recipe.Result;
        Assert.DoesNotContain(broken, details.Soup);
        Assert.Equal(broken, details.Steps[^1].Ingredient); // ranked last
        Assert.False(details.Steps[^1].Accepted);
    }

    [Fact]
    public void Scores_of_one_file_under_another_weights_key_are_not_reused()
    {
        using var temp = new TempFolder();
        var results = temp.File("results.jsonl");
        var checkpoint = Fixture.RealWorld("digits_training_checkpoint.pt");
        EvalResult Score(string? key)
        {
            using var reader = KnownCheckpointFormats.Open(checkpoint, new ReadOptions(StateDictKey: key));
            using var split = HeldOutSplits.Open(Fixture.Eval("heldout.safetensors"), null, null);
            using var evaluator = new Evaluator(new DigitsCnnFamily(), reader.Tensors, torch.CPU, 64, new EvaluationCache([results]));
            return evaluator.Score(reader, split);
        }
        Assert.Equal(Correct("a"), Score(null).Correct);
        var ema = Score("state_dict_ema");
        Assert.False(ema.Cached);
        Assert.Equal(Correct("b"), ema.Correct);
        Assert.True(Score("state_dict").Cached);
    }

    [Fact]
    public void The_compute_precision_is_part_of_the_models_identity()
    {
        Assert.NotEqual(new ClipViTFamily().Identity, new ClipViTFamily { ComputeType = torch.ScalarType.BFloat16 }.Identity);
        Assert.NotEqual(new ClipViTFamily { ComputeType = torch.ScalarType.Float16 }.Identity,
            new ClipViTFamily { ComputeType = torch.ScalarType.BFloat16 }.Identity);
    }

    [Fact]
    public void Concurrent_appends_to_one_results_file_lose_no_record()
    {
        using var temp = new TempFolder();
        var results = temp.File("results.jsonl");
        const int writers = 8, each = 60;
        Parallel.For(0, writers, new ParallelOptions { MaxDegreeOfParallelism = writers }, w =>
        {
            var cache = new EvaluationCache([results]);
            for (var i = 0; i < each; i++)
                cache.Add(new EvaluationRecord($"/ckpt/{w}/{i}", $"{w:x2}{i:x4}", 1, 1, "split", "model", 0.5, 1.0, 10, 5,
                    DateTimeOffset.UnixEpoch, "test"));
        });
        var read = new EvaluationCache([results]);
        Assert.Equal(writers * each, read.Records.Select(r => r.Sha256).Distinct().Count());
    }
}
