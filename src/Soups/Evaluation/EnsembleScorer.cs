using Soups.Ingredients;
using Soups.Models;
using TorchSharp;

namespace Soups.Evaluation;

/// <summary>
/// The paper's ensemble baselines: the output ensemble (mean of the logits of all ingredients; N forward passes at
/// inference) and the greedy ensemble (the greedy-soup rule applied to ensemble membership). Each ingredient is run
/// once per split, in held-out order, and only running sums of logits are kept, so memory does not grow with N.
/// </summary>
public sealed class EnsembleScorer(IModel model, int batchSize)
{
    /// <summary>What the ensembles scored, and who is in the greedy one.</summary>
    public sealed record Result(ScoreRow Uniform, ScoreRow Greedy, IReadOnlyList<string> GreedyMembers);

    /// <summary>Scores both ensembles; <paramref name="heldOutAccuracy"/> (one per ingredient) orders the greedy one.</summary>
    public Result Run(IngredientSet ingredients, IReadOnlyList<double> heldOutAccuracy, IHeldOutSplit heldOut,
        IReadOnlyList<(string Name, IHeldOutSplit Split)> tests, AcceptRule accept, CancellationToken cancellation)
    {
        using var scope = torch.NewDisposeScope(); // the running sums, labels and every temporary
        var splits = new List<IHeldOutSplit> { heldOut };
        splits.AddRange(tests.Select(t => t.Split));
        var uniform = new torch.Tensor?[splits.Count];
        var greedy = new torch.Tensor?[splits.Count];
        var labels = new torch.Tensor?[splits.Count];
        var members = new List<string>();
        double greedyAccuracy = double.NegativeInfinity;
        try
        {
            foreach (var index in GreedyOrder.Of(heldOutAccuracy))
            {
                var reader = ingredients.Readers[index];
                WeightLoading.Load(model, reader);
                var logits = new torch.Tensor[splits.Count];
                for (var s = 0; s < splits.Count; s++)
                {
                    var (l, y) = new ModelPass(model, splits[s], batchSize).AllLogits(cancellation);
                    logits[s] = l;
                    if (labels[s] is null) labels[s] = y;
                    else y.Dispose();
                    Accumulate(uniform, s, l);
                }
                bool keep;
                if (members.Count == 0) keep = true;
                else
                {
                    using var candidate = (greedy[0]! + logits[0]) / (members.Count + 1);
                    var score = ModelPass.FromLogits(candidate, labels[0]!).Accuracy;
                    keep = accept.Accepts(score, greedyAccuracy);
                }
                if (keep)
                {
                    for (var s = 0; s < splits.Count; s++) Accumulate(greedy, s, logits[s]);
                    members.Add(reader.Path);
                    using var mean = greedy[0]! / members.Count;
                    greedyAccuracy = ModelPass.FromLogits(mean, labels[0]!).Accuracy;
                }
                foreach (var l in logits) l.Dispose();
            }
            return new Result(
                Row("ensemble (all)", ingredients.Count, uniform, labels, tests),
                Row($"greedy ensemble ({members.Count})", members.Count, greedy, labels, tests),
                members);
        }
        finally
        {
            foreach (var t in uniform.Concat(greedy).Concat(labels)) t?.Dispose();
        }
    }

    private static void Accumulate(torch.Tensor?[] sums, int s, torch.Tensor logits)
    {
        if (sums[s] is null) sums[s] = logits.to(torch.float64);
        else sums[s]!.add_(logits);
    }

    private static ScoreRow Row(string name, int count, torch.Tensor?[] sums, torch.Tensor?[] labels,
        IReadOnlyList<(string Name, IHeldOutSplit Split)> tests)
    {
        EvalResult Score(int s)
        {
            using var mean = sums[s]! / count;
            return ModelPass.FromLogits(mean, labels[s]!);
        }
        return new ScoreRow(name, "ensemble", count, Score(0), tests.Select((t, i) => (t.Name, Score(i + 1))).ToDictionary(p => p.Name, p => p.Item2));
    }
}
