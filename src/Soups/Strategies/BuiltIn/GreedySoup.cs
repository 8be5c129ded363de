using System.Globalization;
using Soups.Baking;
using Soups.Evaluation;

namespace Soups.Strategies.BuiltIn;

/// <summary>
/// Greedy soup (Wortsman et al. 2022, Recipe 1; model-soups <c>main.py</c>): evaluate every ingredient on the
/// held-out split; order them as <see cref="GreedyOrder"/> does (best first; among ties, the later one first); start
/// from the first; try each next ingredient once as the running mean with it, keeping it only if held-out accuracy
/// improves. A NaN accuracy never improves anything, so a broken ingredient simply loses. The soup written is the
/// exact mean of the ingredients kept.
/// </summary>
public sealed class GreedySoup : SoupStrategy<GreedySoup.Options>
{
    /// <summary>When a candidate is kept; shared with the greedy ensemble of comparisons.</summary>
    public static readonly Parameter<AcceptRule> Accept = Parameter.Choice("accept", AcceptRule.Greater,
        "gt: keep an ingredient only if held-out accuracy strictly increases (the paper's code; default). " +
        "ge: keep it if accuracy does not decrease (the paper's text).",
        ("gt", AcceptRule.Greater), ("ge", AcceptRule.GreaterOrEqual));

    /// <summary>The progress phase of the candidates.</summary>
    public const string Candidates = "greedy candidates";

    /// <summary>How many times the rejected ingredients are tried again (1: the paper's greedy soup).</summary>
    public static readonly Parameter<int> Passes = Parameter.Integer("passes", 1,
        "Passes over the ingredients: after the first, the rejected ones are tried again against the grown soup, " +
        "until a pass adds nothing or this many passes (1, the default, is the paper's greedy soup).", 1, 1000);

    /// <summary>The settings of a greedy soup.</summary>
    public sealed record Options(AcceptRule Accept = AcceptRule.Greater, int Passes = 1);

    /// <summary>An ingredient's own held-out score.</summary>
    public sealed record IngredientScore(string Path, double Accuracy, double Loss, bool Cached);

    /// <summary>One greedy step: the candidate soup with one more ingredient, and whether it was kept.</summary>
    public sealed record Candidate(int Step, string Ingredient, double IngredientAccuracy, double CandidateAccuracy,
        double CandidateLoss, bool Accepted, int SoupSize, int Pass = 1);

    /// <summary>
    /// Where greedy's time went (issue #12): scoring the ingredients, forming the candidate soups (reading each candidate
    /// ingredient and mixing it into the running soup), and scoring the candidates; wall seconds.
    /// </summary>
    public sealed record Timing(double Ingredients, double FormingCandidates, double ScoringCandidates, double Total)
    {
        /// <summary>The share of the whole plan spent forming candidates.</summary>
        public double FormingShare => Total > 0 ? FormingCandidates / Total : 0;
    }

    /// <summary>Everything greedy soup decided.</summary>
    public sealed record Result(string Accept, IReadOnlyList<IngredientScore> Scores, IReadOnlyList<Candidate> Steps,
        IReadOnlyList<string> Soup, double HeldOutAccuracy, double HeldOutLoss, Timing? Seconds = null) : StrategyResult
    {
        /// <inheritdoc />
        public override string Summary() =>
            $"accept: held-out accuracy {(Accept == "gt" ? ">" : ">=")} current soup, ingredients tried best first" +
            (Steps.Count > 0 && Steps[^1].Pass > 1 ? $", {Steps[^1].Pass} passes" : "");

        /// <inheritdoc />
        public override IReadOnlyList<ResultTable> Tables()
        {
            var first = Scores.First(s => s.Path == Soup[0]);
            var rows = new List<IReadOnlyList<string>> { new[] { "start", first.Path, Percent.Of(first.Accuracy), "", "kept" } };
            rows.AddRange(Steps.Select(s => new[]
            {
                Steps[^1].Pass > 1 ? $"{s.Pass}.{s.Step}" : s.Step.ToString(CultureInfo.InvariantCulture), s.Ingredient,
                Percent.Of(s.IngredientAccuracy), Percent.Of(s.CandidateAccuracy), s.Accepted ? "accepted" : "rejected",
            }));
            return [new ResultTable("steps", ["step", "ingredient", "individual", "candidate", "decision"], rows) { Live = true }];
        }
    }

    /// <inheritdoc />
    public override string Name => "greedy";

    /// <inheritdoc />
    public override string Summary =>
        "Bake the greedy soup: ingredients sorted by held-out accuracy, each added only if the soup's held-out accuracy improves.";

    /// <inheritdoc />
    public override StrategyNeeds Needs => StrategyNeeds.HeldOut;

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => [Accept, Passes];

    /// <inheritdoc />
    public override Options Read(ParameterValues values) => new(values.Get(Accept), values.Get(Passes));

    /// <inheritdoc />
    public override SoupPlan Plan(PlanContext context, Options options)
    {
        var readers = context.Ingredients.Readers;
        var evaluator = context.Evaluator;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var forming = new System.Diagnostics.Stopwatch();
        var scoring = new System.Diagnostics.Stopwatch();
        var scores = new List<IngredientScore>();
        var cached = 0;
        foreach (var reader in readers)
        {
            context.Report(Phases.Ingredients, scores.Count, readers.Count, Phases.IngredientsDetail(scores.Count, readers.Count, cached));
            var result = evaluator.Score(reader, context.HeldOut, context.Cancellation);
            if (result.Cached) cached++;
            scores.Add(new IngredientScore(reader.Path, result.Accuracy, result.Loss, result.Cached));
            context.Note($"ingredient {reader.Path}: held-out accuracy {Percent.Sign(result.Accuracy)}{(result.Cached ? " (cached)" : "")}");
        }
        context.Report(Phases.Ingredients, readers.Count, readers.Count, Phases.IngredientsDetail(readers.Count, readers.Count, cached));
        var order = GreedyOrder.Of(scores.Select(s => s.Accuracy).ToList());
        var ingredientsSeconds = clock.Elapsed.TotalSeconds;

        var inSoup = new List<int> { order[0] };
        double soupAccuracy = scores[order[0]].Accuracy, soupLoss = scores[order[0]].Loss;
        var steps = new List<Candidate>();
        var soup = SoupState.From(readers[order[0]], context.Device);
        var pending = order.Skip(1).ToList();
        context.Step($"start: {readers[order[0]].Path} -> held-out {Percent.Sign(soupAccuracy)} (the best individual)", NoteTone.Good);
        try
        {
            // Pass 1 is the paper's greedy soup; each further pass tries the rejected again, in the same order.
            for (var pass = 1; pass <= options.Passes && pending.Count > 0; pass++)
            {
                var rejected = new List<int>();
                foreach (var index in pending)
                {
                    context.Cancellation.ThrowIfCancellationRequested();
                    var tried = steps.Count;
                    var planned = steps.Count(s => s.Pass < pass) + pending.Count; // this pass's candidates; later passes unknown
                    context.Report(Candidates, tried, planned, string.Create(CultureInfo.InvariantCulture,
                        $"greedy candidates {tried}/{planned}{(pass > 1 ? $" (pass {pass})" : "")} · soup of {inSoup.Count} · held-out {Percent.Sign(soupAccuracy)}"));
                    forming.Start();
                    var candidate = soup.With(readers[index], inSoup.Count);
                    forming.Stop();
                    scoring.Start();
                    var result = evaluator.Score(candidate.Tensors, "candidate soup", context.HeldOut, context.Cancellation);
                    scoring.Stop();
                    var kept = options.Accept.Accepts(result.Accuracy, soupAccuracy);
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
                        rejected.Add(index);
                    }
                    var step = steps.Count(s => s.Pass == pass) + 1;
                    steps.Add(new Candidate(step, readers[index].Path, scores[index].Accuracy, result.Accuracy, result.Loss, kept,
                        inSoup.Count, pass));
                    context.Step($"{(pass > 1 ? $"pass {pass} " : "")}step {step}: + {readers[index].Path} -> held-out " +
                                 $"{Percent.Sign(result.Accuracy)} {(kept ? "accepted" : "rejected")} (soup of {inSoup.Count})",
                        kept ? NoteTone.Good : NoteTone.Muted);
                }
                if (rejected.Count == pending.Count) break; // a pass that adds nothing ends the search
                pending = rejected;
            }
        }
        finally
        {
            soup.Dispose();
        }
        context.Report(Candidates, steps.Count, steps.Count, string.Create(CultureInfo.InvariantCulture,
            $"greedy candidates {steps.Count}/{steps.Count} · soup of {inSoup.Count} · held-out {Percent.Sign(soupAccuracy)}"));

        var weights = new double[readers.Count];
        foreach (var i in inSoup) weights[i] = 1; // the baker divides by the count once: the exact mean
        var timing = new Timing(Math.Round(ingredientsSeconds, 3), Math.Round(forming.Elapsed.TotalSeconds, 3),
            Math.Round(scoring.Elapsed.TotalSeconds, 3), Math.Round(clock.Elapsed.TotalSeconds, 3));
        context.Note(string.Create(CultureInfo.InvariantCulture,
            $"greedy took {timing.Total:0.00} s: ingredients {timing.Ingredients:0.00} s, forming {steps.Count} candidates {timing.FormingCandidates:0.00} s ({100 * timing.FormingShare:0.0}%), scoring them {timing.ScoringCandidates:0.00} s"));
        var details = new Result(Accept.Format(options.Accept), scores, steps, inSoup.Select(i => readers[i].Path).ToList(), soupAccuracy, soupLoss, timing);
        var label = inSoup.Count == 1 ? "greedy soup (1 ingredient)" : $"greedy soup ({inSoup.Count} ingredients)";
        return new SoupPlan(Name, label, new WeightedMean(weights), details);
    }
}
