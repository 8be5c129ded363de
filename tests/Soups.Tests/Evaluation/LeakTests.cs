using Soups.Checkpoints;
using Soups.Evaluation;
using Soups.Inspection;
using Soups.Models;
using Soups.Baking;
using Soups.Ingredients;
using Soups.Strategies;
using Soups.Strategies.BuiltIn;
using Soups.Tests.Strategies;
using TorchSharp;

namespace Soups.Tests.Evaluation;

/// <summary>Issue #8, class 6: strategies, evaluators and splits release every tensor they create.</summary>
public class LeakTests
{
    private static readonly string[] Ingredients =
        [Fixture.Eval("digits_cnn_a.pt"), Fixture.Eval("digits_cnn_b.pt"), Fixture.RealWorld("digits_training_checkpoint.pt")];

    [Fact]
    public void Opening_and_disposing_a_split_leaves_no_tensor()
    {
        using var temp = new TempFolder();
        var mask = temp.File("mask.npy");
        var header = "{'descr': '|b1', 'fortran_order': False, 'shape': (200,), }".PadRight(117) + "\n";
        File.WriteAllBytes(mask, [0x93, .. "NUMPY"u8.ToArray(), 1, 0, (byte)header.Length, 0, .. System.Text.Encoding.ASCII.GetBytes(header),
            .. Enumerable.Range(0, 200).Select(i => (byte)(i % 3 == 0 ? 1 : 0))]);
        LeakCheck.NoLeaks(() =>
        {
            using var split = HeldOutSplits.Open(Fixture.Eval("heldout.safetensors"), null, mask);
            Assert.Equal(67, split.Count);
            foreach (var (inputs, labels) in split.Batches(64))
            {
                inputs.Dispose();
                labels.Dispose();
            }
        });
    }

    private sealed class Setup : IDisposable
    {
        public IngredientSet Set { get; } = IngredientSet.Open(Ingredients, ReadOptions.Default);

        public IHeldOutSplit Split { get; } = HeldOutSplits.Open(Fixture.Eval("heldout.safetensors"), null, null);

        public Evaluator Evaluator { get; }

        public Setup() => Evaluator = new Evaluator(new DigitsCnnFamily(), Set.Layout, torch.CPU, 64, EvaluationCache.None);

        public void Dispose()
        {
            Evaluator.Dispose();
            Split.Dispose();
            Set.Dispose();
        }
    }

    [Fact]
    public void Evaluating_scoring_logits_and_probing_leave_no_tensor()
    {
        using var setup = new Setup();
        var (set, split, evaluator) = (setup.Set, setup.Split, setup.Evaluator);
        LeakCheck.NoLeaks(() =>
        {
            evaluator.Probe(split);
            evaluator.Score(set.Readers[0], split);
            var (logits, labels) = new ModelPass(evaluator.Model, split, 64).AllLogits();
            logits.Dispose();
            labels.Dispose();
        });
    }

    [Fact]
    public void Greedy_learned_and_ensembles_leave_no_tensor()
    {
        using var setup = new Setup();
        var (set, split, evaluator) = (setup.Set, setup.Split, setup.Evaluator);
        LeakCheck.NoLeaks(() => Plans.Greedy(set, evaluator, split, AcceptRule.GreaterOrEqual));
        LeakCheck.NoLeaks(() => new LearnedSoup.Trainer(evaluator.Model, split, new LearnedSoup.Options(Epochs: 1, BatchSize: 100)).Train(set, CancellationToken.None));
        LeakCheck.NoLeaks(() => new LearnedSoup.Trainer(evaluator.Model, split,
            new LearnedSoup.Options(LearnedGranularity.Layer, Epochs: 1, BatchSize: 100, Storage: IngredientStorage.Disk)).Train(set, CancellationToken.None));
        LeakCheck.NoLeaks(() => new EnsembleScorer(evaluator.Model, 64).Run(set, [0.5, 0.6, 0.5], split, [("test", split)],
            AcceptRule.Greater, CancellationToken.None));
    }

    [Fact]
    public void Baking_mixing_and_inspecting_leave_no_tensor()
    {
        using var temp = new TempFolder();
        using var set = IngredientSet.Open(Ingredients, ReadOptions.Default);
        LeakCheck.NoLeaks(() => Plans.Bake(set, Plans.Uniform(set), new SoupOutput(temp.File("soup.safetensors"))));
        LeakCheck.NoLeaks(() => IngredientGeometry.Compute(set, torch.CPU));
        LeakCheck.NoLeaks(() =>
        {
            using var state = SoupState.Build(set, WeightedMean.Uniform(set.Count), torch.CPU, []);
            using var next = state.With(set.Readers[1], 3);
        });
    }
}
