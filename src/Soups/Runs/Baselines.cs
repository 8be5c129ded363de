using Soups.Baking;
using Soups.Checkpoints;
using Soups.Evaluation;
using Soups.Ingredients;
using Soups.Strategies;

namespace Soups.Runs;

/// <summary>
/// Scores soups and their baselines — the best individual and the uniform soup — on the held-out split and every test
/// split, as rows of one table. Ingredient scores come from the evaluator's memory of the run (or the results files),
/// so no ingredient is evaluated twice.
/// </summary>
public sealed class Baselines(RunInputs inputs, CancellationToken cancellation)
{
    private Evaluator Evaluator => inputs.Evaluator ?? throw new InvalidOperationException("the run does not evaluate");

    /// <summary>A checkpoint file (an ingredient or a written soup).</summary>
    public ScoreRow Checkpoint(string name, string kind, ICheckpointReader reader) =>
        new(name, kind, 1, Evaluator.Score(reader, inputs.HeldOut!, cancellation),
            inputs.Tests.ToDictionary(t => t.Name, t => Evaluator.Score(reader, t.Split, cancellation)));

    /// <summary>The soup <paramref name="merge"/> makes, built in memory.</summary>
    public ScoreRow Merged(string name, ITensorMerge merge)
    {
        using var state = SoupState.Build(inputs.Ingredients, merge, inputs.Device, new List<string>());
        return new ScoreRow(name, "soup", 1, Evaluator.Score(state.Tensors, name, inputs.HeldOut!, cancellation),
            inputs.Tests.ToDictionary(t => t.Name, t => Evaluator.Score(state.Tensors, name, t.Split, cancellation)));
    }

    /// <summary>The ingredient with the best held-out accuracy: the one greedy soup starts from.</summary>
    public ICheckpointReader BestIndividual()
    {
        var readers = inputs.Ingredients.Readers;
        var scores = readers.Select(r => Evaluator.Score(r, inputs.HeldOut!, cancellation).Accuracy).ToList();
        return readers[GreedyOrder.Of(scores)[0]];
    }

    /// <summary>The best individual, the uniform soup, and the soup written to <paramref name="soupPath"/>.</summary>
    public IReadOnlyList<ScoreRow> Around(string soupName, string soupPath)
    {
        var best = BestIndividual();
        using var soup = KnownCheckpointFormats.Open(soupPath, ReadOptions.Default with { StripPrefix = "" });
        return
        [
            Checkpoint($"best individual ({Path.GetFileName(best.Path)})", "individual", best),
            Merged("uniform soup", WeightedMean.Uniform(inputs.Ingredients.Count)),
            Checkpoint(soupName, "soup", soup),
        ];
    }
}
