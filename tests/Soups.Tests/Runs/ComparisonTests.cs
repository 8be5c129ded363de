using Soups.Checkpoints;
using Soups.Evaluation;
using Soups.Models;
using Soups.Baking;
using Soups.Ingredients;
using Soups.Runs;
using Soups.Strategies;
using Soups.Strategies.BuiltIn;
using TorchSharp;

namespace Soups.Tests.Runs;

public class ComparisonTests
{
    [Fact]
    public void Compare_reports_every_method_and_ensembles_equal_the_mean_of_individual_logits()
    {
        using var sweep = new SyntheticSweep([0.3, 0.6, 0.9, 1.2]);
        using var temp = new TempFolder();
        var learned = ParameterValues.Defaults.With(LearnedSoup.Epochs, 1).With(LearnedSoup.BatchSize, 32);
        var request = new ComparisonRequest(null, new Dictionary<ISoupStrategy, ParameterValues> { [KnownStrategies.Learned] = learned }, new IngredientRequest(sweep.Ingredients, ReadOptions.Default),
            new EvaluationRequest("digits-cnn", sweep.HeldOut, Tests: [("test", sweep.HeldOut)], BatchSize: 32), new ComputeRequest("cpu"),
            temp.PathName, false, []);
        var result = ComparisonRun.Execute(request, RunObserver.Silent, CancellationToken.None);

        Assert.Equal(4, result.Ingredients.Count);
        Assert.Equal(7, result.Methods.Count); // best individual + 4 soups + 2 ensembles
        Assert.StartsWith("best individual", result.Methods[0].Name);
        Assert.All(result.Methods, m => Assert.True(m.Tests.ContainsKey("test")));
        foreach (var soup in new[] { "uniform", "greedy", "learned", "learned-layer" })
            Assert.True(File.Exists(Path.Combine(temp.PathName, soup + ".safetensors")), soup);
        Assert.Equal(4, result.Methods.Single(m => m.Name == "ensemble (all)").Forwards);

        // Independent: plain forward passes of each ingredient, logits averaged.
        var data = Fixture.ReadAll(sweep.HeldOut);
        var logits = sweep.Ingredients.Select(p =>
        {
            using var net = new DigitsCnn();
            net.load_state_dict(Fixture.ReadAll(p));
            net.eval();
            using var _ = torch.no_grad();
            return net.forward(data["inputs"]);
        }).ToList();
        using var mean = torch.stack(logits.ToArray()).mean([0]);
        var expected = mean.argmax(1).eq(data["labels"]).sum().item<long>();
        var ensemble = result.Methods.Single(m => m.Name == "ensemble (all)");
        Assert.Equal(expected, ensemble.HeldOut.Correct);
        Assert.Equal(torch.nn.functional.cross_entropy(mean, data["labels"]).item<float>(), ensemble.HeldOut.Loss, 4);

        // The best individual row is the ingredient with the highest held-out accuracy.
        Assert.Equal(result.Ingredients.Max(r => r.HeldOut.Accuracy), result.Methods[0].HeldOut.Accuracy);
    }

    [Fact]
    public void The_greedy_ensemble_breaks_ties_as_the_papers_code_does()
    {
        using var set = IngredientSet.Open([Fixture.Eval("digits_cnn_a.pt"), Fixture.Eval("digits_cnn_b.pt")], ReadOptions.Default);
        using var split = HeldOutSplits.Open(Fixture.Eval("heldout.safetensors"), null, null);
        using var evaluator = new Evaluator(new DigitsCnnFamily(), set.Layout, torch.CPU, 64, EvaluationCache.None);
        // Told that both score the same, the later one starts the ensemble.
        var result = new EnsembleScorer(evaluator.Model, 64).Run(set, [0.5, 0.5], split, [], AcceptRule.Greater, CancellationToken.None);
        Assert.Equal(Fixture.Eval("digits_cnn_b.pt"), result.GreedyMembers[0]);
    }
}
