using Soups.Checkpoints;
using Soups.Evaluation;
using Soups.Models;
using Soups.Baking;
using Soups.Ingredients;
using Soups.Strategies;
using Soups.Strategies.BuiltIn;
using TorchSharp;
using F = TorchSharp.torch.nn.functional;

namespace Soups.Tests.Strategies.BuiltIn;

public class LearnedSoupTests
{
    [Fact]
    public void Alpha_gradient_from_the_chain_rule_matches_finite_differences()
    {
        using var sweep = new SyntheticSweep([0.3, 0.3, 0.3]);
        using var set = IngredientSet.Open(sweep.Ingredients, ReadOptions.Default);
        using var split = TensorFileSplit.Open(sweep.HeldOut, null);
        using var model = new DigitsCnnFamily().Create(set.Layout, torch.CPU);
        var soup = new LearnedSoup.Trainer(model, split, new LearnedSoup.Options());
        var (parameters, row) = LearnedSoup.Trainer.Groups(model, set, LearnedGranularity.Model);
        using var store = IngredientStore.Create(set, torch.CPU, IngredientStorage.Host);
        using var a = torch.tensor(new float[,] { { 0.3f, -0.2f, 0.1f } });
        using var beta = new TorchSharp.Modules.Parameter(torch.ones(1));
        int[][] all = [Enumerable.Range(0, split.Count).ToArray()];
        var (loss, gradient) = soup.LossAndGradient(set, store, a, beta, all, parameters, row);

        // Independent: L as a function of α (not normalised; θ is linear in it), in float64, by central differences.
        var tensors = sweep.Ingredients.Select(p => Fixture.ReadAll(p)).ToList();
        var data = Fixture.ReadAll(sweep.HeldOut);
        double Loss(double[] alpha)
        {
            using var net = new DigitsCnn();
            net.to(torch.float64);
            var mixed = tensors[0].Keys.ToDictionary(k => k,
                k => tensors.Select((t, i) => t[k].to(torch.float64) * alpha[i]).Aggregate((x, y) => x + y));
            net.load_state_dict(mixed);
            using var _ = torch.no_grad();
            return F.cross_entropy(net.forward(data["inputs"].to(torch.float64)), data["labels"]).item<double>();
        }
        var alpha0 = a.softmax(1)[0].to(torch.float64).data<double>().ToArray();
        Assert.Equal(Loss(alpha0), loss, 4);
        const double h = 1e-4;
        for (var i = 0; i < 3; i++)
        {
            var plus = (double[])alpha0.Clone();
            var minus = (double[])alpha0.Clone();
            plus[i] += h;
            minus[i] -= h;
            var numeric = (Loss(plus) - Loss(minus)) / (2 * h);
            var analytic = gradient[0, i].item<float>();
            Assert.True(Math.Abs(numeric - analytic) <= 1e-3 * Math.Max(1, Math.Abs(numeric)),
                $"α[{i}]: chain rule {analytic}, finite differences {numeric}");
        }
    }

    [Theory]
    [InlineData(LearnedGranularity.Model)]
    [InlineData(LearnedGranularity.Layer)]
    public void Training_matches_an_autograd_reference_with_the_same_seed_and_batches(LearnedGranularity granularity)
    {
        using var sweep = new SyntheticSweep([0.2, 0.5, 0.8]);
        var options = new LearnedSoup.Options(granularity, Epochs: 3, LearningRate: 0.05, BatchSize: 32, Seed: 5,
            Storage: IngredientStorage.Disk);
        LearnedSoup.Result recipe;
        using (var set = IngredientSet.Open(sweep.Ingredients, ReadOptions.Default))
        using (var split = TensorFileSplit.Open(sweep.HeldOut, null))
        using (var model = new DigitsCnnFamily().Create(set.Layout, torch.CPU))
            recipe = new LearnedSoup.Trainer(model, split, options).Train(set, CancellationToken.None);

        // Reference: the paper's way — all ingredients in memory, θ = Σ softmax(a)ᵢ θᵢ differentiated by autograd.
        var tensors = sweep.Ingredients.Select(p => Fixture.ReadAll(p)).ToList();
        var data = Fixture.ReadAll(sweep.HeldOut);
        var names = new[] { "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "conv3.weight", "conv3.bias", "fc.weight", "fc.bias", "head.weight", "head.bias" };
        var rows = granularity == LearnedGranularity.Model ? 1 : names.Length;
        var a = new TorchSharp.Modules.Parameter(torch.zeros(rows, 3));
        var beta = new TorchSharp.Modules.Parameter(torch.ones(1));
        var optimizer = torch.optim.AdamW([a, beta], 0.05, weight_decay: 0);
        var generator = new torch.Generator(5);
        for (var epoch = 0; epoch < 3; epoch++)
        {
            var order = torch.randperm(96, generator: generator).data<long>().Select(i => (int)i).Chunk(32).ToList();
            foreach (var batch in order)
            {
                using var scope = torch.NewDisposeScope();
                var alpha = a.softmax(1);
                var theta = names.Select((name, k) => tensors.Select((t, i) => t[name] * alpha[granularity == LearnedGranularity.Model ? 0 : k][i])
                    .Aggregate((x, y) => x + y)).ToArray();
                var index = torch.tensor(batch.Select(i => (long)i).ToArray());
                var logits = Forward(data["inputs"].index_select(0, index), theta);
                var loss = F.cross_entropy(logits * beta, data["labels"].index_select(0, index));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
        }
        var reference = a.detach().softmax(1).to(torch.float64);
        for (var k = 0; k < rows; k++)
        {
            var expected = reference[k].data<double>().ToArray();
            var actual = recipe.TensorWeights?[names[k]] ?? recipe.ModelWeights;
            for (var i = 0; i < 3; i++) Assert.Equal(expected[i], actual[i], 3);
        }
        Assert.Equal(beta.item<float>(), recipe.Temperature, 3);
    }

    [Fact]
    public void With_one_good_ingredient_among_bad_ones_the_learned_weights_recover_it()
    {
        using var sweep = new SyntheticSweep([double.PositiveInfinity, 0.0, double.PositiveInfinity, double.PositiveInfinity]);
        using var set = IngredientSet.Open(sweep.Ingredients, ReadOptions.Default);
        using var split = TensorFileSplit.Open(sweep.HeldOut, null);
        using var evaluator = new Evaluator(new DigitsCnnFamily(), set.Layout, torch.CPU, 64, EvaluationCache.None);
        var recipe = new LearnedSoup.Trainer(evaluator.Model, split, new LearnedSoup.Options(Epochs: 10, LearningRate: 0.1, BatchSize: 32)).Train(set, CancellationToken.None);
        Assert.True(recipe.ModelWeights[1] > 0.6, $"weights {string.Join(", ", recipe.ModelWeights)}");
        Assert.Equal(recipe.ModelWeights.Max(), recipe.ModelWeights[1]);
    }

    private static torch.Tensor Forward(torch.Tensor x, torch.Tensor[] p)
    {
        x = F.max_pool2d(F.relu(F.conv2d(x, p[0], p[1], padding: [1, 1])), [2, 2]);
        x = F.max_pool2d(F.relu(F.conv2d(x, p[2], p[3], padding: [1, 1])), [2, 2]);
        x = F.max_pool2d(F.relu(F.conv2d(x, p[4], p[5], padding: [1, 1])), [2, 2]);
        x = F.relu(F.linear(x.flatten(1), p[6], p[7]));
        return F.linear(x, p[8], p[9]);
    }
}
