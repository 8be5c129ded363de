using System.Text.Json;
using Soups.Checkpoints;
using Soups.Evaluation;
using Soups.Models;
using Soups.Baking;
using Soups.Ingredients;
using Soups.Strategies;
using TorchSharp;

namespace Soups.Tests.Evaluation;

public class EvaluationTests
{

    private static JsonElement Expected(string key)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixture.Eval("expected.json")));
        return doc.RootElement.GetProperty(key).Clone();
    }

    private static EvalResult Score(IModelFamily family, string weights, string heldOut = "heldout.safetensors")
    {
        using var reader = KnownCheckpointFormats.Open(Fixture.Eval(weights));
        using var split = HeldOutSplits.Open(Fixture.Eval(heldOut), null, null);
        using var evaluator = new Evaluator(family, reader.Tensors, torch.CPU, 64, EvaluationCache.None);
        return evaluator.Score(reader, split);
    }

    [Theory]
    [InlineData("digits_cnn_scripted.pt", "digits_cnn_a.pt", "a")]
    [InlineData("digits_cnn_traced.ts", "digits_cnn_b.pt", "b")]
    [InlineData("digits-cnn", "digits_cnn_a.pt", "a")]
    [InlineData("digits-cnn", "digits_cnn_b.pt", "b")]
    public void Accuracy_and_loss_equal_what_pytorch_computed(string model, string weights, string expectedKey)
    {
        var family = model.Contains('.') ? KnownModels.Resolve(Fixture.Eval(model)) : KnownModels.Resolve(model);
        var result = Score(family, weights);
        var expected = Expected(expectedKey);
        Assert.Equal(expected.GetProperty("correct").GetInt64(), result.Correct);
        Assert.Equal(expected.GetProperty("accuracy").GetDouble(), result.Accuracy, 12);
        Assert.Equal(expected.GetProperty("loss").GetDouble(), result.Loss, 5);
        Assert.Equal(200, result.Count);
    }

    [Fact]
    public void A_tensor_file_split_reads_the_same_from_pt_and_safetensors()
    {
        var fromPt = Score(new DigitsCnnFamily(), "digits_cnn_a.pt", "heldout.pt");
        var fromSafetensors = Score(new DigitsCnnFamily(), "digits_cnn_a.pt", "heldout.safetensors");
        Assert.Equal(fromPt, fromSafetensors);
    }

    [Fact]
    public void The_uniform_soup_of_two_models_scores_as_pytorch_computed()
    {
        using var set = IngredientSet.Open([Fixture.Eval("digits_cnn_a.pt"), Fixture.Eval("digits_cnn_b.pt")], ReadOptions.Default);
        using var split = HeldOutSplits.Open(Fixture.Eval("heldout.safetensors"), null, null);
        using var evaluator = new Evaluator(new DigitsCnnFamily(), set.Layout, torch.CPU, 64, EvaluationCache.None);
        using var soup = SoupState.Build(set, WeightedMean.Uniform(set.Count), torch.CPU, new List<string>());
        var result = evaluator.Score(soup.Tensors, "uniform", split);
        var expected = Expected("uniform_ab");
        Assert.Equal(expected.GetProperty("correct").GetInt64(), result.Correct);
        Assert.Equal(expected.GetProperty("loss").GetDouble(), result.Loss, 5);
    }

    [Fact]
    public void Labels_outside_the_models_classes_are_a_clear_error()
    {
        var error = Assert.ThrowsAny<SoupException>(() => Score(new DigitsCnnFamily(), "digits_cnn_a.pt", "heldout_bad_labels.safetensors"));
        Assert.Contains("labels must lie in [0, 9]", error.Message);
    }

    [Fact]
    public void A_checkpoint_whose_keys_do_not_match_the_model_is_refused_naming_the_keys()
    {
        using var reader = KnownCheckpointFormats.Open(Fixture.PyTorch("ingredient_0.pt"));
        var error = Assert.Throws<ModelMismatchException>(() =>
            new Evaluator(new DigitsCnnFamily(), reader.Tensors, torch.CPU, 64, EvaluationCache.None));
        Assert.Contains("missing", error.Message);
        Assert.True(error.NamesDiffer);
        Assert.Contains("conv1.weight", error.Missing);
    }

    [Fact]
    public void Torchscript_is_recognised_by_content_and_a_state_dict_is_not_torchscript()
    {
        Assert.True(TorchScriptFamily.IsTorchScript(Fixture.Eval("digits_cnn_traced.ts")));
        Assert.True(TorchScriptFamily.IsTorchScript(Fixture.Eval("digits_cnn_scripted.pt")));
        Assert.False(TorchScriptFamily.IsTorchScript(Fixture.Eval("digits_cnn_a.pt")));
        Assert.ThrowsAny<SoupException>(() => KnownModels.Resolve(Fixture.Eval("digits_cnn_a.pt")));
    }

    [Fact]
    public void Map_prefix_renames_wrapper_keys_so_they_match_the_model()
    {
        using var temp = new TempFolder();
        var wrapped = Fixture.ReadAll(Fixture.Eval("digits_cnn_a.pt")).ToDictionary(kv => "model." + kv.Key, kv => kv.Value);
        var path = temp.File("wrapped.safetensors");
        SyntheticSweep.Write(path, wrapped);
        using var reader = KnownCheckpointFormats.Open(path, ReadOptions.Default with { PrefixRules = [PrefixRule.Parse("model.=")] });
        using var split = HeldOutSplits.Open(Fixture.Eval("heldout.safetensors"), null, null);
        using var evaluator = new Evaluator(new DigitsCnnFamily(), reader.Tensors, torch.CPU, 64, EvaluationCache.None);
        Assert.Equal(Expected("a").GetProperty("correct").GetInt64(), evaluator.Score(reader, split).Correct);
    }
}
