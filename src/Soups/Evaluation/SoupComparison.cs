using Soups.Checkpoints;
using Soups.Souping;
using TorchSharp;

namespace Soups.Evaluation;

/// <summary>The methods <c>soup compare</c> can run, by the names <c>--strategies</c> takes.</summary>
public static class ComparisonMethods
{
    /// <summary>Every method, in report order.</summary>
    public static IReadOnlyList<string> All { get; } = ["uniform", "greedy", "learned", "learned-layer", "ensemble", "greedy-ensemble"];
}

/// <summary>Everything <c>soup compare</c> measured.</summary>
public sealed record ComparisonResult(IReadOnlyList<ScoreRow> Ingredients, IReadOnlyList<ScoreRow> Methods,
    IReadOnlyDictionary<string, SoupReport> Soups, IReadOnlyList<string> GreedyEnsemble);

/// <summary>
/// The researcher's side-by-side (issue #4): every ingredient, the best individual, the soups (uniform, greedy,
/// learned by model and by layer, each written to the output folder) and the ensemble baselines, each scored on the
/// held-out split and every test split, with its inference cost in forward passes.
/// </summary>
public sealed class SoupComparison(SoupEvaluator evaluator, IngredientSet ingredients, IHeldOutSplit heldOut,
    IReadOnlyList<(string Name, IHeldOutSplit Split)> tests, torch.Device device, int batchSize)
{
    /// <summary>Progress lines for the log.</summary>
    public Action<string>? OnProgress { get; set; }

    /// <summary>Runs <paramref name="methods"/>, writing soups as <c>DIR/NAME.safetensors</c>.</summary>
    public ComparisonResult Run(IReadOnlyList<string> methods, string outputFolder, bool overwrite, AcceptRule accept,
        LearnedSoupOptions learned, CancellationToken cancellation)
    {
        var unknown = methods.Where(m => !ComparisonMethods.All.Contains(m)).ToList();
        if (unknown.Count > 0)
            throw new SoupException($"--strategies: unknown {string.Join(", ", unknown)} (choose from {string.Join(", ", ComparisonMethods.All)})");
        var board = new Scoreboard(evaluator, ingredients, heldOut, tests, device, cancellation);
        var ingredientRows = ingredients.Readers.Select(r =>
        {
            var row = board.Checkpoint(Path.GetFileName(r.Path), "individual", r);
            OnProgress?.Invoke($"{r.Path}: held-out {row.HeldOut.Accuracy:0.0000}");
            return row;
        }).ToList();
        var bestIndex = GreedyOrder.Of(ingredientRows.Select(r => r.HeldOut.Accuracy).ToList())[0];
        var rows = new List<ScoreRow> { ingredientRows[bestIndex] with { Name = $"best individual ({ingredientRows[bestIndex].Name})" } };
        var soups = new Dictionary<string, SoupReport>();
        IReadOnlyList<string> greedyEnsemble = [];

        foreach (var method in ComparisonMethods.All.Where(methods.Contains))
        {
            cancellation.ThrowIfCancellationRequested();
            OnProgress?.Invoke($"running {method}");
            if (method is "ensemble" or "greedy-ensemble")
            {
                if (rows.Any(r => r.Kind == "ensemble")) continue;
                var result = new EnsembleScorer(evaluator.Model, batchSize).Run(ingredients,
                    ingredientRows.Select(r => r.HeldOut.Accuracy).ToList(), heldOut, tests, accept, cancellation);
                if (methods.Contains("ensemble")) rows.Add(result.Uniform);
                if (methods.Contains("greedy-ensemble")) rows.Add(result.Greedy);
                greedyEnsemble = result.GreedyMembers;
                continue;
            }
            ISoupStrategy strategy = method switch
            {
                "uniform" => new UniformSoup(),
                "greedy" => new GreedySoup(evaluator, heldOut, accept),
                "learned" => new LearnedSoup(evaluator.Model, heldOut, learned with { Granularity = LearnedGranularity.Model }),
                _ => new LearnedSoup(evaluator.Model, heldOut, learned with { Granularity = LearnedGranularity.Layer }),
            };
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var recipe = strategy.Plan(ingredients, cancellation);
            var path = Path.Combine(outputFolder, $"{method}.safetensors");
            var baked = new SoupBaker(device).Bake(ingredients, recipe, new SoupOutput(path, Overwrite: overwrite), null, cancellation);
            soups[method] = SoupReport.From(ingredients, recipe, baked, clock.Elapsed);
            using var reader = KnownCheckpointFormats.Open(path, ReadOptions.Default with { StripPrefix = "" });
            var label = method switch
            {
                "greedy" => $"greedy soup ({recipe.Weights.Count(w => w > 0)})",
                "learned-layer" => "learned soup (by layer)",
                _ => $"{method} soup",
            };
            rows.Add(board.Checkpoint(label, "soup", reader));
        }
        return new ComparisonResult(ingredientRows, rows, soups, greedyEnsemble);
    }
}
