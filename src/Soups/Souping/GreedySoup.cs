using Soups.Evaluation;

namespace Soups.Souping;

/// <summary>When greedy soup keeps a candidate.</summary>
public enum AcceptRule
{
    /// <summary>Held-out accuracy strictly greater (<c>&gt;</c>): what the paper's code does (the default).</summary>
    Greater,

    /// <summary>Held-out accuracy not lower (<c>&gt;=</c>): what the paper's text says ("does not decrease").</summary>
    GreaterOrEqual,
}

/// <summary>An ingredient's own held-out score.</summary>
public sealed record IngredientScore(string Path, double Accuracy, double Loss, bool Cached);

/// <summary>One greedy step: the candidate soup with one more ingredient, and whether it was kept.</summary>
public sealed record GreedyStep(int Step, string Ingredient, double IngredientAccuracy, double CandidateAccuracy,
    double CandidateLoss, bool Accepted, int SoupSize);

/// <summary>Everything greedy soup decided, for the report.</summary>
public sealed record GreedyDetails(string Accept, IReadOnlyList<IngredientScore> Scores, IReadOnlyList<GreedyStep> Steps,
    IReadOnlyList<string> Soup, double HeldOutAccuracy, double HeldOutLoss);

/// <summary>
/// Greedy soup (Wortsman et al. 2022, Recipe 1; model-soups <c>main.py</c>): evaluate every ingredient on the
/// held-out split; order them as <see cref="GreedyOrder"/> does (best first; among ties, the later one first); start
/// from the first; try each next ingredient once as the running mean with it, keeping it only if held-out accuracy
/// improves. A NaN accuracy never improves anything, so a broken ingredient simply loses.
/// </summary>
public sealed class GreedySoup(SoupEvaluator evaluator, IHeldOutSplit heldOut, AcceptRule accept) : ISoupStrategy
{
    /// <inheritdoc />
    public string Name => "greedy";

    /// <summary>Called after each ingredient score and each step, for live output.</summary>
    public Action<string>? OnProgress { get; set; }

    /// <inheritdoc />
    public SoupRecipe Plan(IngredientSet ingredients, CancellationToken cancellation)
    {
        var readers = ingredients.Readers;
        var scores = new List<IngredientScore>();
        foreach (var reader in readers)
        {
            var result = evaluator.Score(reader, heldOut, cancellation);
            scores.Add(new IngredientScore(reader.Path, result.Accuracy, result.Loss, result.Cached));
            OnProgress?.Invoke($"ingredient {reader.Path}: held-out accuracy {result.Accuracy:0.0000}{(result.Cached ? " (cached)" : "")}");
        }
        var order = GreedyOrder.Of(scores.Select(s => s.Accuracy).ToList());

        var inSoup = new List<int> { order[0] };
        var best = scores[order[0]];
        double soupAccuracy = best.Accuracy, soupLoss = best.Loss;
        var steps = new List<GreedyStep>();
        var soup = SoupState.From(readers[order[0]], evaluator.Model.Device);
        try
        {
            foreach (var index in order.Skip(1))
            {
                cancellation.ThrowIfCancellationRequested();
                var candidate = soup.With(readers[index], inSoup.Count);
                var result = evaluator.Score(candidate.Tensors, "candidate soup", heldOut, cancellation);
                var kept = accept == AcceptRule.Greater ? result.Accuracy > soupAccuracy : result.Accuracy >= soupAccuracy;
                if (kept)
                {
                    soup.Dispose();
                    soup = candidate;
                    inSoup.Add(index);
                    soupAccuracy = result.Accuracy;
                    soupLoss = result.Loss;
                }
                else
                {
                    candidate.Dispose();
                }
                steps.Add(new GreedyStep(steps.Count + 1, readers[index].Path, scores[index].Accuracy, result.Accuracy,
                    result.Loss, kept, inSoup.Count));
                OnProgress?.Invoke($"step {steps.Count}: + {readers[index].Path} -> held-out {result.Accuracy:0.0000} {(kept ? "accepted" : "rejected")} (soup of {inSoup.Count})");
            }
        }
        finally
        {
            soup.Dispose();
        }

        var weights = new double[readers.Count];
        foreach (var i in inSoup) weights[i] = 1; // the baker divides by the count once: the exact mean
        var details = new GreedyDetails(accept == AcceptRule.Greater ? "gt" : "ge", scores, steps,
            inSoup.Select(i => readers[i].Path).ToList(), soupAccuracy, soupLoss);
        return new SoupRecipe(Name, weights) { Details = details };
    }
}
