using System.Text.Json;
using Soups.Baking;
using Soups.Checkpoints;
using Soups.Evaluation;
using Soups.FileSystem;
using Soups.Ingredients;
using Soups.Models;
using Soups.Strategies;
using Soups.Strategies.BuiltIn;
using TorchSharp;

namespace Soups.Tests.Strategies.BuiltIn;

/// <summary>
/// Issue #11's strategies against Fixtures/soups: a DigitsCnn sweep trained by PyTorch (a base, six fine-tunes, one of
/// them diverged), with every subset's accuracies, greedy soup's steps and the Fisher-weighted soup computed by
/// independent PyTorch code (make_soup_fixtures.py).
/// </summary>
[Collection(nameof(FisherScratch))]
public sealed class SubsetGreedyFisherTests : IDisposable
{
    private static readonly JsonElement Expected = JsonDocument.Parse(File.ReadAllText(Fixture.Soups("expected.json"))).RootElement;
    private static readonly string[] Paths =
        Expected.GetProperty("ingredients").EnumerateArray().Select(e => Fixture.Soups(e.GetString()!)).ToArray();

    private readonly IngredientSet _set = IngredientSet.Open(Paths, ReadOptions.Default);
    private readonly TensorFileSplit _heldOut = TensorFileSplit.Open(Fixture.Soups("heldout.safetensors"), null);
    private readonly TensorFileSplit _test = TensorFileSplit.Open(Fixture.Soups("test.safetensors"), null);
    private readonly Evaluator _evaluator;

    public SubsetGreedyFisherTests() =>
        _evaluator = new Evaluator(new DigitsCnnFamily(), _set.Layout, torch.CPU, 100, EvaluationCache.None);

    public void Dispose()
    {
        _evaluator.Dispose();
        _test.Dispose();
        _heldOut.Dispose();
        _set.Dispose();
    }

    private PlanContext Context(bool tests = true) =>
        new(_set, torch.CPU, _evaluator, _heldOut, tests ? [new NamedSplit("test", _test)] : [], CancellationToken.None);

    private static int[] Members(JsonElement subset) => subset.GetProperty("members").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static int[] Indices(SearchSoup.SubsetScore subset) => subset.Members.Select(m => Array.IndexOf(Paths, m)).Order().ToArray();

    [Fact]
    public void Search_scores_every_subset_as_pytorch_does_and_picks_the_same_best_subset_and_oracle()
    {
        using var plan = KnownStrategies.Search.Plan(Context(), new SearchSoup.Options());
        var result = (SearchSoup.Result)plan.Result;
        var expected = Expected.GetProperty("subsets").EnumerateArray().ToList();
        Assert.Equal(63, result.Scores.Count);
        Assert.Equal(expected.Count, result.Scores.Count);
        var byMembers = result.Scores.ToDictionary(s => string.Join(",", Indices(s)));
        foreach (var subset in expected)
        {
            var mine = byMembers[string.Join(",", Members(subset))];
            Assert.Equal(subset.GetProperty("heldout").GetDouble(), mine.HeldOut);
            Assert.Equal(subset.GetProperty("test").GetDouble(), mine.Tests!["test"]);
        }
        Assert.Equal(Members(Expected.GetProperty("best")), Indices(result.Best!));
        Assert.Equal(Expected.GetProperty("best").GetProperty("heldout").GetDouble(), result.Best!.HeldOut);
        var oracle = Assert.Single(result.Oracles);
        Assert.Equal(Members(Expected.GetProperty("oracle")), Indices(oracle.Subset));
        Assert.Equal(Expected.GetProperty("rank_order").EnumerateArray().Select(e => Paths[e.GetInt32()]), result.Ranking);

        // The soup is the exact mean of the best subset; greedy's choice (paper's rule, same soups) is reported beside it.
        var weights = plan.Weights!;
        for (var i = 0; i < Paths.Length; i++) Assert.Equal(Members(Expected.GetProperty("best")).Contains(i) ? 1 : 0, weights[i]);
        Assert.Equal(Expected.GetProperty("greedy").GetProperty("1").GetProperty("soup").EnumerateArray().Select(e => e.GetInt32()).Order(),
            Indices(result.Greedy!));
    }

    [Fact]
    public void Max_size_limits_the_subsets_and_the_choice()
    {
        using var plan = KnownStrategies.Search.Plan(Context(tests: false), new SearchSoup.Options(MaxSize: 2));
        var result = (SearchSoup.Result)plan.Result;
        Assert.Equal(6 + 15, result.Scores.Count);
        Assert.All(result.Scores, s => Assert.True(s.Size <= 2));
        Assert.Equal(Members(Expected.GetProperty("best_max_size_2")), Indices(result.Best!));
    }

    [Fact]
    public void Beam_search_scores_a_subset_of_the_soups_with_the_same_values_and_picks_the_best_of_those()
    {
        using var plan = KnownStrategies.Search.Plan(Context(tests: false), new SearchSoup.Options(Beam: 2));
        var result = (SearchSoup.Result)plan.Result;
        var exhaustive = Expected.GetProperty("subsets").EnumerateArray()
            .ToDictionary(s => string.Join(",", Members(s)), s => s.GetProperty("heldout").GetDouble());
        Assert.True(result.Scores.Count < 63);
        foreach (var score in result.Scores) Assert.Equal(exhaustive[string.Join(",", Indices(score))], score.HeldOut);
        var bestAccuracy = result.Scores.Max(s => s.HeldOut);
        Assert.Equal(bestAccuracy, result.Best!.HeldOut);
        Assert.Equal(result.Scores.Where(s => s.HeldOut == bestAccuracy).Min(s => s.Size), result.Best.Size);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Multi_pass_greedy_takes_the_steps_of_the_pytorch_reference_loop(int passes)
    {
        using var plan = KnownStrategies.Greedy.Plan(Context(tests: false), new GreedySoup.Options(AcceptRule.Greater, passes));
        var result = (GreedySoup.Result)plan.Result;
        var expected = Expected.GetProperty("greedy").GetProperty(passes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var steps = expected.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(steps.Count, result.Steps.Count);
        for (var i = 0; i < steps.Count; i++)
        {
            Assert.Equal(steps[i].GetProperty("pass").GetInt32(), result.Steps[i].Pass);
            Assert.Equal(Paths[steps[i].GetProperty("ingredient").GetInt32()], result.Steps[i].Ingredient);
            Assert.Equal(steps[i].GetProperty("candidate_accuracy").GetDouble(), result.Steps[i].CandidateAccuracy);
            Assert.Equal(steps[i].GetProperty("accepted").GetBoolean(), result.Steps[i].Accepted);
        }
        Assert.Equal(expected.GetProperty("soup").EnumerateArray().Select(e => Paths[e.GetInt32()]), result.Soup);
        Assert.Equal(expected.GetProperty("accuracy").GetDouble(), result.HeldOutAccuracy);
    }

    [Fact]
    public void Fisher_information_of_one_ingredient_equals_pytorchs_per_example_definition()
    {
        var examples = Expected.GetProperty("fisher_examples").GetInt32();
        using var scratch = ScratchFolder.Create();
        WeightLoading.Load(_evaluator.Model, _set.Readers[0]);
        var weighted = _set.Layout.Where(t => _evaluator.Model.Parameters.Contains(t.Name)).ToList();
        var (_, _, file) = FisherSoup.Estimate(_evaluator.Model, _heldOut, examples, weighted, scratch, "fisher.safetensors", Context(tests: false));
        AssertClose(Fixture.Soups($"fisher_{examples}_ft_0.safetensors"), file, 1e-4);
    }

    [Fact]
    public void Fisher_soup_equals_pytorchs_and_its_scratch_files_are_removed()
    {
        var examples = Expected.GetProperty("fisher_examples").GetInt32();
        Assert.Equal(1e-8, Expected.GetProperty("fisher_epsilon").GetDouble());
        using var temp = new TempFolder();
        var output = temp.File("fisher-soup.safetensors");
        var scratchBefore = ScratchFolders();
        using (var plan = KnownStrategies.Fisher.Plan(Context(tests: false), new FisherSoup.Options(Examples: examples)))
        {
            Assert.Single(ScratchFolders().Except(scratchBefore));
            new SoupBaker(torch.CPU).Bake(_set, plan.Merge, new SoupOutput(output), new Dictionary<string, string>());
            var result = (FisherSoup.Result)plan.Result;
            Assert.Equal(examples, result.Examples);
            Assert.Equal(Paths, result.Fishers.Select(f => f.Path));
            Assert.Empty(result.PlainMeanTensors); // DigitsCnn has no buffers
        }
        Assert.Empty(ScratchFolders().Except(scratchBefore));
        AssertClose(Fixture.Soups($"expected_fisher_{examples}.safetensors"), output, 1e-4);
    }

    private static string[] ScratchFolders() => Directory.GetDirectories(Path.GetTempPath(), $"soup-scratch-{Environment.ProcessId}-*");

    // Each tensor within tolerance × its largest magnitude.
    private static void AssertClose(string expectedPath, string actualPath, double tolerance)
    {
        var expected = Fixture.ReadAll(expectedPath);
        var actual = Fixture.ReadAll(actualPath);
        try
        {
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (name, want) in expected)
            {
                using var w = want.to(torch.float64);
                using var a = actual[name].to(torch.float64);
                using var diff = (w - a).abs().max();
                using var scale = w.abs().max();
                var relative = diff.item<double>() / Math.Max(scale.item<double>(), 1e-30);
                Assert.True(relative <= tolerance, $"{name}: max difference {relative:G3} of its largest magnitude");
            }
        }
        finally
        {
            Fixture.DisposeAll(expected);
            Fixture.DisposeAll(actual);
        }
    }
}

/// <summary>
/// The Fisher tests count this process's scratch folders, so they run one after another (still beside other tests).
/// </summary>
[CollectionDefinition(nameof(FisherScratch))]
public sealed class FisherScratch;
