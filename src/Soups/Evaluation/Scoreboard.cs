using Soups.Checkpoints;
using Soups.Souping;
using TorchSharp;

namespace Soups.Evaluation;

/// <summary>Scores soups and their baselines on the held-out split and every test split, as rows of one table.</summary>
public sealed class Scoreboard(SoupEvaluator evaluator, IngredientSet ingredients, IHeldOutSplit heldOut,
    IReadOnlyList<(string Name, IHeldOutSplit Split)> tests, torch.Device device, CancellationToken cancellation)
{
    /// <summary>A checkpoint file (an ingredient or a written soup).</summary>
    public ScoreRow Checkpoint(string name, string kind, ICheckpointReader reader) =>
        new(name, kind, 1, evaluator.Score(reader, heldOut, cancellation),
            tests.ToDictionary(t => t.Name, t => evaluator.Score(reader, t.Split, cancellation)));

    /// <summary>A soup held in memory.</summary>
    public ScoreRow State(string name, string kind, SoupState state) =>
        new(name, kind, 1, evaluator.Score(state.Tensors, name, heldOut, cancellation),
            tests.ToDictionary(t => t.Name, t => evaluator.Score(state.Tensors, name, t.Split, cancellation)));

    /// <summary>The uniform soup of all ingredients, built in memory.</summary>
    public ScoreRow Uniform()
    {
        var recipe = new UniformSoup().Plan(ingredients, cancellation);
        using var state = SoupState.Mix(ingredients, recipe, new SoupMixer(device), new List<string>());
        return State("uniform soup", "soup", state);
    }

    /// <summary>The ingredient with the best held-out accuracy (the one greedy soup starts from), from cached scores where possible.</summary>
    public ICheckpointReader BestIndividual()
    {
        var scores = ingredients.Readers.Select(r => evaluator.Score(r, heldOut, cancellation).Accuracy).ToList();
        return ingredients.Readers[GreedyOrder.Of(scores)[0]];
    }

    /// <summary>The best individual (by held-out accuracy), the uniform soup, and a written soup.</summary>
    public IReadOnlyList<ScoreRow> BaselinesAnd(string soupName, string soupPath)
    {
        var best = BestIndividual();
        using var soup = KnownCheckpointFormats.Open(soupPath, ReadOptions.Default with { StripPrefix = "" });
        return
        [
            Checkpoint($"best individual ({Path.GetFileName(best.Path)})", "individual", best),
            Uniform(),
            Checkpoint(soupName, "soup", soup),
        ];
    }
}
