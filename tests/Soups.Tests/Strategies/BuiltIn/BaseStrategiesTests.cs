using System.Text.Json;
using Soups.Baking;
using Soups.Checkpoints;
using Soups.Evaluation;
using Soups.Ingredients;
using Soups.Models;
using Soups.Strategies;
using Soups.Strategies.BuiltIn;
using TorchSharp;

namespace Soups.Tests.Strategies.BuiltIn;

/// <summary>
/// Issue #10: Model Stock, task arithmetic, TIES-merging and interpolation equal independent PyTorch implementations of
/// their definitions (Fixtures/merging/make_merging_fixtures.py), to 1e-5 relative per tensor.
/// </summary>
public class BaseStrategiesTests
{
    private static string Merging(string name) => Fixture.Merging(name);

    private static string[] Ingredients(int count = 4) =>
        Enumerable.Range(0, count).Select(i => Fixture.RealWorld($"mean_ingredient_{i}.safetensors")).ToArray();

    private static JsonElement Expected(string key)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Merging("expected.json")));
        return doc.RootElement.GetProperty(key).Clone();
    }

    private static SoupPlan BakeAndCompare(ISoupStrategy strategy, ParameterValues values, string[] inputs, string expected)
    {
        using var temp = new TempFolder();
        var output = temp.File("soup.safetensors");
        var plan = LeakCheck.NoLeaks(() =>
        {
            using var set = IngredientSet.Open(inputs, ReadOptions.Default, Merging("base.safetensors"));
            var planned = strategy.Plan(Plans.Context(set), values);
            Plans.Bake(set, planned, new SoupOutput(output));
            return planned;
        });
        var want = Fixture.ReadAll(Merging(expected));
        var got = Fixture.ReadAll(output);
        try
        {
            Assert.Equal(want.Keys.Order(), got.Keys.Order());
            foreach (var (name, tensor) in want)
                Assert.True(Fixture.RelativeError(tensor, got[name]) <= 1e-5, $"{name}: {Fixture.RelativeError(tensor, got[name])}");
        }
        finally
        {
            Fixture.DisposeAll(want);
            Fixture.DisposeAll(got);
        }
        return plan;
    }

    [Fact]
    public void Model_stock_equals_pytorch_and_reports_the_ratio_of_every_tensor()
    {
        var plan = BakeAndCompare(KnownStrategies.ModelStock, ParameterValues.Defaults, Ingredients(), "expected_model_stock.safetensors");
        var result = (ModelStockSoup.Result)plan.Result;
        foreach (var expected in Expected("model_stock_t").EnumerateObject())
            Assert.Equal(expected.Value.GetDouble(), result.Ratios[expected.Name]!.Value, 9);
        Assert.Equal(0, result.MeanTensors);
        Assert.Equal(result.Ratios.Values.Min(), result.MinRatio);
    }

    [Fact]
    public void Model_stock_takes_the_mean_where_a_task_vector_is_all_zeros()
    {
        var inputs = Enumerable.Range(0, 3).Select(i => Merging($"frozen_ingredient_{i}.safetensors")).ToArray();
        var plan = BakeAndCompare(KnownStrategies.ModelStock, ParameterValues.Defaults, inputs, "expected_model_stock_frozen.safetensors");
        var result = (ModelStockSoup.Result)plan.Result;
        Assert.Null(result.Ratios["conv.bias"]);
        Assert.Equal(1, result.MeanTensors);
    }

    [Fact]
    public void Task_arithmetic_with_a_fixed_scale_equals_pytorch()
    {
        var plan = BakeAndCompare(KnownStrategies.TaskArithmetic, ParameterValues.Defaults.With(SharedParameters.Scale, 0.3),
            Ingredients(), "expected_task_arithmetic_0.3.safetensors");
        Assert.Equal(0.3, ((TaskArithmeticSoup.Result)plan.Result).Scale);
    }

    [Theory]
    [InlineData(0.2, 1.0)]
    [InlineData(0.5, 0.7)]
    public void Ties_merging_equals_pytorch(double density, double scale) =>
        BakeAndCompare(KnownStrategies.Ties, ParameterValues.Defaults.With(TiesSoup.Density, density).With(SharedParameters.Scale, scale),
            Ingredients(), $"expected_ties_{density.ToString(System.Globalization.CultureInfo.InvariantCulture)}_{scale.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)}.safetensors");

    [Fact]
    public void The_interpolation_curve_equals_pytorchs_evaluation_of_the_same_mixes_and_the_best_alpha_is_written()
    {
        using var temp = new TempFolder();
        using var set = IngredientSet.Open([Fixture.Eval("digits_cnn_a.pt"), Fixture.Eval("digits_cnn_b.pt")], ReadOptions.Default);
        using var split = HeldOutSplits.Open(Fixture.Eval("heldout.safetensors"), null, null);
        using var evaluator = new Evaluator(new DigitsCnnFamily(), set.Layout, torch.CPU, 64, EvaluationCache.None);
        var values = ParameterValues.Defaults.With(InterpolateSoup.Alphas, Grid.Parse("0:1:0.25", "alphas"));
        var plan = KnownStrategies.Interpolate.Plan(Plans.Context(set, evaluator, split), values);
        var result = (InterpolateSoup.Result)plan.Result;
        var expected = Expected("interpolation_a_b").EnumerateArray().ToList();
        Assert.Equal(expected.Count, result.Curve.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].GetProperty("alpha").GetDouble(), result.Curve[i].X);
            Assert.Equal(expected[i].GetProperty("correct").GetInt32() / 200.0, result.Curve[i].HeldOutAccuracy, 12);
            Assert.Equal(expected[i].GetProperty("loss").GetDouble(), result.Curve[i].HeldOutLoss, 5);
        }
        // The best held-out α (ties: the larger), and the soup written is exactly (1-α)A + αB.
        var best = expected.OrderBy(e => e.GetProperty("correct").GetInt32()).ThenBy(e => e.GetProperty("alpha").GetDouble()).Last();
        Assert.Equal(best.GetProperty("alpha").GetDouble(), result.Alpha);
        var output = temp.File("soup.safetensors");
        Plans.Bake(set, plan, new SoupOutput(output));
        var a = Fixture.ReadAll(Fixture.Eval("digits_cnn_a.pt"));
        var b = Fixture.ReadAll(Fixture.Eval("digits_cnn_b.pt"));
        var soup = Fixture.ReadAll(output);
        foreach (var (name, tensor) in soup)
        {
            using var mix = (a[name].to(torch.float64) * (1 - result.Alpha) + b[name].to(torch.float64) * result.Alpha).to(torch.float32);
            Assert.True(Fixture.RelativeError(mix, tensor) <= 1e-6, name);
        }
        foreach (var d in new[] { a, b, soup }) Fixture.DisposeAll(d);
    }

    [Fact]
    public void Barriers_are_the_largest_gaps_between_the_curve_and_the_line_through_its_end_points()
    {
        CurvePoint P(double x, double accuracy, double loss) => new(x, accuracy, loss, new Dictionary<string, double>());
        var basin = InterpolateSoup.Barriers([P(0, 0.9, 0.3), P(0.5, 0.91, 0.28), P(1, 0.8, 0.5)]);
        Assert.Equal((0.0, 0.0), basin);
        var (accuracy, loss) = InterpolateSoup.Barriers([P(0, 0.9, 0.3), P(0.5, 0.1, 2.3), P(1, 0.8, 0.5)]);
        Assert.Equal(0.85 - 0.1, accuracy, 12);
        Assert.Equal(2.3 - 0.4, loss, 12);
    }

    [Fact]
    public void Grids_read_lists_and_inclusive_ranges_and_the_best_point_breaks_ties_to_the_larger_x()
    {
        Assert.Equal([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1], Grid.Parse("0:1:0.1", "x").Values);
        Assert.Equal([0, 0.25, 0.5], Grid.Parse("0,0.25,0.5", "x").Values);
        Assert.Throws<OptionException>(() => Grid.Parse("1:0:0.1", "x"));
        Assert.Throws<OptionException>(() => Grid.Parse("0,a", "x"));
        CurvePoint P(double x, double accuracy) => new(x, accuracy, 0, new Dictionary<string, double>());
        Assert.Equal(0.75, Curve.Best([P(0, 0.5), P(0.25, 0.9), P(0.75, 0.9), P(1, double.NaN)]).X);
    }

    // One tensor "w" per file: a base of zeros and ingredients with the given values, merged by TIES (λ = 1).
    private static (float[] Soup, List<string> Warnings) Ties(double density, params float[][] ingredients)
    {
        using var temp = new TempFolder();
        var basePath = temp.File("base.safetensors");
        using (var zeros = torch.zeros(ingredients[0].Length, torch.float32))
            Fixture.WriteSafetensors(basePath, new Dictionary<string, torch.Tensor> { ["w"] = zeros });
        var paths = ingredients.Select((values, i) =>
        {
            var path = temp.File($"ft{i}.safetensors");
            using var t = torch.tensor(values);
            Fixture.WriteSafetensors(path, new Dictionary<string, torch.Tensor> { ["w"] = t });
            return path;
        }).ToArray();
        using var set = IngredientSet.Open(paths, ReadOptions.Default, basePath);
        var plan = KnownStrategies.Ties.Plan(Plans.Context(set), ParameterValues.Defaults.With(TiesSoup.Density, density).With(SharedParameters.Scale, 1.0));
        var warnings = new List<string>();
        var info = set.Layout[0];
        var soup = LeakCheck.NoLeaks(() =>
        {
            using var merged = plan.Merge.Merge(new TensorInputs(set, info, torch.CPU), info.DType, warnings);
            return merged.data<float>().ToArray();
        });
        return (soup, warnings);
    }

    [Fact]
    public void Ties_keeps_exactly_k_entries_and_breaks_magnitude_ties_by_lowest_index()
    {
        // k = round(0.5 · 6) = 3 of |τ| = 3, 3, 1, 3, 2, 3: four entries tie at 3, the first three are kept.
        var (soup, _) = Ties(0.5, [3f, -3f, 1f, 3f, 2f, 3f]);
        Assert.Equal([3f, -3f, 0f, 3f, 0f, 0f], soup);
        // No ties: the two largest of five (k = round(0.4 · 5) = 2), signs elected over two ingredients.
        (soup, _) = Ties(0.4, [5f, -1f, 4f, 0.5f, -2f], [1f, 2f, -3f, 6f, 0f]);
        // ft0 keeps 5 and 4; ft1 keeps -3 and 6. Elected signs: +, 0, sign(4-3)=+, +, 0. Agreeing entries averaged.
        Assert.Equal([5f, 0f, 4f, 6f, 0f], soup);
    }

    [Fact]
    public void Ties_with_a_nan_in_an_ingredient_reports_it_instead_of_trimming_it_away()
    {
        var (soup, warnings) = Ties(0.5, [1f, float.NaN, 0.5f, 2f], [1f, 1f, 1f, 1f]);
        Assert.True(float.IsNaN(soup[1]));
        Assert.Contains(warnings, w => w.Contains("'w'"));
    }
}
