using Soups.Checkpoints;
using Soups.Evaluation;
using Soups.Models;
using Soups.Baking;
using Soups.Ingredients;
using Soups.Strategies;
using Soups.Strategies.BuiltIn;
using TorchSharp;

namespace Soups.Tests.Strategies.BuiltIn;

public class GreedySoupTests
{
    private static string[] SampleIngredients() => SmallSample.Ingredients;

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Greedy_picks_the_same_ingredients_with_the_same_accuracies_as_an_independent_implementation(int passes)
    {
        var paths = SampleIngredients();
        Assert.True(paths.Length >= 6);
        var heldOutPath = SmallSample.HeldOut;

        // The tool.
        GreedySoup.Result details;
        using (var set = IngredientSet.Open(paths, ReadOptions.Default))
        using (var split = TensorFileSplit.Open(heldOutPath, null))
        using (var evaluator = new Evaluator(new DigitsCnnFamily(), set.Layout, torch.CPU, 128, EvaluationCache.None))
        {
            var recipe = Plans.Greedy(set, evaluator, split, AcceptRule.Greater, passes);
            details = (GreedySoup.Result)recipe.Result;
            var inSoup = details.Soup.Select(p => Array.IndexOf(paths, p)).ToHashSet();
            var weights = WeightedMean.Normalise(recipe.Weights!);
            for (var i = 0; i < paths.Length; i++) Assert.Equal(inSoup.Contains(i) ? 1.0 / inSoup.Count : 0, weights[i], 12);
        }

        // Independent: whole state dicts in memory, the soup as a plain mean of the chosen ones, one big batch.
        var data = Fixture.ReadAll(heldOutPath);
        var models = paths.Select(p => Fixture.ReadAll(p)).ToList();
        double Accuracy(IReadOnlyList<Dictionary<string, torch.Tensor>> chosen)
        {
            using var net = new DigitsCnn();
            var mean = chosen[0].Keys.ToDictionary(k => k, k => torch.stack(chosen.Select(m => m[k].to(torch.float64)).ToArray()).mean([0]).to(torch.float32));
            net.load_state_dict(mean);
            net.eval();
            using var _ = torch.no_grad();
            using var predictions = net.forward(data["inputs"]).argmax(1);
            return predictions.eq(data["labels"]).to(torch.float64).mean().item<double>();
        }
        var individual = models.Select(m => Accuracy([m])).ToArray();
        // main.py: sorted(..., key=accuracy) (stable, ascending), then reverse().
        var order = Enumerable.Range(0, paths.Length).OrderBy(i => individual[i]).Reverse().ToList();
        var soup = new List<int> { order[0] };
        var best = individual[order[0]];
        var candidates = new List<double>();
        var tried = new List<(int Pass, int Index)>();
        var left = order.Skip(1).ToList();
        for (var pass = 1; pass <= passes; pass++)
        {
            var before = soup.Count;
            foreach (var i in left.ToList())
            {
                var accuracy = Accuracy(soup.Append(i).Select(j => models[j]).ToList());
                candidates.Add(accuracy);
                tried.Add((pass, i));
                if (accuracy > best)
                {
                    soup.Add(i);
                    left.Remove(i);
                    best = accuracy;
                }
            }
            if (soup.Count == before || left.Count == 0) break;
        }

        Assert.Equal(individual, details.Scores.Select(s => s.Accuracy).ToArray());
        Assert.Equal(tried.Select(t => paths[t.Index]), details.Steps.Select(s => s.Ingredient));
        Assert.Equal(tried.Select(t => t.Pass), details.Steps.Select(s => s.Pass));
        Assert.Equal(candidates, details.Steps.Select(s => s.CandidateAccuracy));
        Assert.Equal(soup.Select(i => paths[i]), details.Soup);
        Assert.Equal(best, details.HeldOutAccuracy);
    }

    [Fact]
    public void Accept_gt_rejects_a_tie_and_accept_ge_keeps_it()
    {
        using var temp = new TempFolder();
        var source = SampleIngredients()[0];
        var twin = temp.File("twin.safetensors");
        File.Copy(source, twin);
        var heldOutPath = SmallSample.HeldOut;
        foreach (var (rule, kept) in new[] { (AcceptRule.Greater, false), (AcceptRule.GreaterOrEqual, true) })
        {
            using var set = IngredientSet.Open([source, twin], ReadOptions.Default);
            using var split = TensorFileSplit.Open(heldOutPath, null);
            using var evaluator = new Evaluator(new DigitsCnnFamily(), set.Layout, torch.CPU, 128, EvaluationCache.None);
            var details = (GreedySoup.Result)Plans.Greedy(set, evaluator, split, rule).Result;
            var step = Assert.Single(details.Steps);
            Assert.Equal(details.Scores[0].Accuracy, step.CandidateAccuracy); // identical weights: a tie
            Assert.Equal(kept, step.Accepted);
            Assert.Equal(kept ? 2 : 1, details.Soup.Count);
        }
    }

    [Fact]
    public void Among_equal_accuracies_the_ingredient_given_later_comes_first_as_in_the_papers_code()
    {
        // A twin whose head bias is shifted uniformly: different weights, identical logits up to a constant, so the
        // same accuracy and loss. main.py's sort-then-reverse puts the later of two equals first.
        using var temp = new TempFolder();
        var source = SampleIngredients()[0];
        var tensors = Fixture.ReadAll(source);
        tensors["head.bias"].add_(0.125);
        var twin = temp.File("twin.safetensors");
        Fixture.WriteSafetensors(twin, tensors);
        Fixture.DisposeAll(tensors);
        var heldOutPath = SmallSample.HeldOut;
        foreach (var given in new[] { new[] { source, twin }, [twin, source] })
        {
            using var set = IngredientSet.Open(given, ReadOptions.Default);
            using var split = TensorFileSplit.Open(heldOutPath, null);
            using var evaluator = new Evaluator(new DigitsCnnFamily(), set.Layout, torch.CPU, 128, EvaluationCache.None);
            var recipe = Plans.Greedy(set, evaluator, split, AcceptRule.Greater);
            var details = (GreedySoup.Result)recipe.Result;
            Assert.Equal(details.Scores[0].Accuracy, details.Scores[1].Accuracy);
            Assert.Equal([given[1]], details.Soup);
            Assert.Equal(given[0], Assert.Single(details.Steps).Ingredient);
            Assert.Equal(given[1], GreedyOrder.Of(details.Scores.Select(x => x.Accuracy).ToList()).Select(i => given[i]).First());
        }
    }
}
