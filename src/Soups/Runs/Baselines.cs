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
public sealed class Baselines(RunInputs inputs, CancellationToken cancellation, IProgress<StepProgress>? progress = null)
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
        var scores = new List<double>();
        foreach (var reader in readers)
        {
            progress?.Report(new StepProgress(Phases.Ingredients, scores.Count, readers.Count, Phases.IngredientsDetail(scores.Count, readers.Count, 0)));
            scores.Add(Evaluator.Score(reader, inputs.HeldOut!, cancellation).Accuracy);
        }
        progress?.Report(new StepProgress(Phases.Ingredients, readers.Count, readers.Count, Phases.IngredientsDetail(readers.Count, readers.Count, 0)));
        return readers[GreedyOrder.Of(scores)[0]];
    }

    /// <summary>
    /// The best individual, the uniform soup, and the soup written to <paramref name="soupPath"/>. When that soup is the
    /// uniform soup (<paramref name="soupIsUniform"/>), it is scored once, as one row.
    /// </summary>
    public IReadOnlyList<ScoreRow> Around(string soupName, string soupPath, bool soupIsUniform = false)
    {
        var best = BestIndividual();
        const string step = "baselines";
        var total = soupIsUniform ? 2 : 3;
        progress?.Report(new StepProgress(step, 0, total, $"scoring {What(soupName, soupIsUniform)}"));
        using var soup = KnownCheckpointFormats.Open(soupPath, ReadOptions.Default with { StripPrefix = "" });
        var bestRow = Checkpoint($"best individual ({Path.GetFileName(best.Path)})", "individual", best);
        if (soupIsUniform)
        {
            progress?.Report(new StepProgress(step, 1, total, $"scoring the {soupName}"));
            var row = Checkpoint(UniformName(soupName), "soup", soup);
            progress?.Report(new StepProgress(step, 2, total, $"scored {What(soupName, soupIsUniform)}"));
            return [bestRow, row];
        }
        progress?.Report(new StepProgress(step, 1, total, "scoring the uniform soup and the soup"));
        var uniformRow = Merged(Uniform, WeightedMean.Uniform(inputs.Ingredients.Count));
        progress?.Report(new StepProgress(step, 2, total, $"scoring the {soupName}"));
        var soupRow = Checkpoint(soupName, "soup", soup);
        progress?.Report(new StepProgress(step, 3, total, $"scored {What(soupName, soupIsUniform)}"));
        return [bestRow, uniformRow, soupRow];
    }

    /// <summary>"the best individual, the uniform soup and the greedy soup (3 ingredients)", each soup named once.</summary>
    public static string What(string soupName, bool soupIsUniform) =>
        soupIsUniform ? $"the best individual and the {UniformName(soupName)}" : $"the best individual, the uniform soup and the {soupName}";

    private const string Uniform = "uniform soup";

    // A soup that is the uniform soup under another name (a greedy soup that kept every ingredient) says so.
    private static string UniformName(string soupName) => soupName == Uniform ? Uniform : $"{soupName} = {Uniform}";
}
