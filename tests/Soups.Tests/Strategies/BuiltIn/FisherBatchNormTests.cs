using Soups.Baking;
using Soups.Checkpoints;
using Soups.Evaluation;
using Soups.Ingredients;
using Soups.Models;
using Soups.Strategies;
using Soups.Strategies.BuiltIn;
using TorchSharp;

namespace Soups.Tests.Strategies.BuiltIn;

/// <summary>Fisher merging of a model with BatchNorm: running statistics have no gradient and are plainly averaged.</summary>
[Collection(nameof(FisherScratch))]
public class FisherBatchNormTests
{
    [Fact]
    public void Batch_norm_statistics_are_plainly_averaged_and_parameters_are_fisher_weighted()
    {
        using var temp = new TempFolder();
        var paths = new List<string>();
        for (var seed = 0; seed < 2; seed++)
        {
            torch.manual_seed(seed);
            using var net = torchvision.models.resnet18(4);
            var state = net.state_dict();
            using (torch.no_grad())
                foreach (var (name, tensor) in state.Where(kv => kv.Key.EndsWith("running_mean", StringComparison.Ordinal)))
                    tensor.add_(seed + 1.5); // distinct statistics per ingredient
            var path = temp.File($"r{seed}.safetensors");
            Fixture.WriteSafetensors(path, state);
            paths.Add(path);
        }
        var data = temp.File("data.safetensors");
        torch.manual_seed(7);
        using (var inputs = torch.randn(3, 3, 32, 32))
        using (var labels = torch.tensor(new long[] { 0, 3, 1 }))
            Fixture.WriteSafetensors(data, new Dictionary<string, torch.Tensor> { ["inputs"] = inputs, ["labels"] = labels });

        using var set = IngredientSet.Open(paths, ReadOptions.Default);
        using var split = TensorFileSplit.Open(data, null);
        using var evaluator = new Evaluator(new ResNetFamily(18), set.Layout, torch.CPU, 3, EvaluationCache.None);
        var output = temp.File("fisher.safetensors");
        using (var plan = KnownStrategies.Fisher.Plan(new PlanContext(set, torch.CPU, evaluator, split, [], CancellationToken.None),
                   new FisherSoup.Options()))
        {
            var result = (FisherSoup.Result)plan.Result;
            Assert.Equal(3, result.Examples);
            Assert.Contains("bn1.running_mean", result.PlainMeanTensors);
            Assert.Contains("layer4.1.bn2.running_var", result.PlainMeanTensors);
            Assert.DoesNotContain("conv1.weight", result.PlainMeanTensors);
            Assert.DoesNotContain(result.PlainMeanTensors, n => n.EndsWith("num_batches_tracked", StringComparison.Ordinal));
            new SoupBaker(torch.CPU).Bake(set, plan.Merge, new SoupOutput(output), new Dictionary<string, string>());
        }

        using var scope = torch.NewDisposeScope();
        var soup = Fixture.ReadAll(output);
        var a = Fixture.ReadAll(paths[0]);
        var b = Fixture.ReadAll(paths[1]);
        try
        {
            foreach (var name in new[] { "bn1.running_mean", "layer2.0.bn1.running_var" })
            {
                using var mean = (a[name].to(torch.float64) + b[name].to(torch.float64)) / 2;
                using var expected = mean.to(torch.float32);
                Assert.True(expected.eq(soup[name]).all().item<bool>(), name);
            }
            // A parameter is weighted by the Fisher: somewhere it is not the plain mean.
            using var plain = ((a["conv1.weight"].to(torch.float64) + b["conv1.weight"].to(torch.float64)) / 2).to(torch.float32);
            Assert.True(plain.ne(soup["conv1.weight"]).any().item<bool>());
            // ... but each element lies between the two ingredients' values.
            using var low = torch.minimum(a["conv1.weight"], b["conv1.weight"]);
            using var high = torch.maximum(a["conv1.weight"], b["conv1.weight"]);
            Assert.True((soup["conv1.weight"] >= low - 1e-7).all().item<bool>() && (soup["conv1.weight"] <= high + 1e-7).all().item<bool>());
        }
        finally
        {
            Fixture.DisposeAll(soup);
            Fixture.DisposeAll(a);
            Fixture.DisposeAll(b);
        }
    }
}
