using System.Diagnostics;
using System.Globalization;
using Soups.Baking;
using Soups.Evaluation;

namespace Soups.Strategies.BuiltIn;

/// <summary>
/// The upper bound greedy soup is measured against (issue #11): the uniform soup of every non-empty subset of the
/// ingredients (of at most <c>--max-size</c> members) scored on the held-out split, or, with <c>--beam W</c>, a beam
/// search that keeps the W best subsets of each size and grows each by one ingredient. The best held-out subset is
/// written (ties: the smaller subset, then the earlier-ranked ingredients, ranked as greedy soup ranks them). Greedy
/// soup's choice over the same exact-mean soups is reported beside it, and with test splits the oracle — the best
/// subset on each test split, an upper bound that is not a fair method. Subset scores are cached in the results files
/// under their members' content hashes and weights, so <c>--shard i/n</c> runs of a job array share the work and a
/// final run without <c>--shard</c> only reads it back.
/// </summary>
public sealed class SearchSoup : SoupStrategy<SearchSoup.Options>
{
    /// <summary>More subsets than this are refused without <c>--beam</c> or a smaller <c>--max-size</c>: all subsets of 16 ingredients.</summary>
    public const long MaxExhaustive = (1L << 16) - 1;

    /// <summary>The largest subset considered.</summary>
    public static readonly Parameter<int> MaxSize = Parameter.Integer("max-size", 0,
        "Consider subsets of at most this many ingredients (0, the default: any size).", 0, 1_000_000);

    /// <summary>The beam width; 0 for the exhaustive search.</summary>
    public static readonly Parameter<int> Beam = Parameter.Integer("beam", 0,
        "Beam search instead of all subsets: keep the W best subsets of each size and grow each by one ingredient " +
        "(0, the default: every subset, refused above 65,535 of them).", 0, 1_000_000);

    /// <summary>This run's share of the subsets, for job arrays.</summary>
    public static readonly Parameter<string?> ShardOf = new("shard", null,
        "Score only share i of n of the subsets (0-based; 'auto' or 'auto/n' read a Slurm array or Kubernetes indexed Job) " +
        "into the results file, and write no soup; a final run without --shard reads every share's results back and bakes.")
    {
        Parse = text =>
        {
            Shard.Parse(text); // checked now, read again when the plan runs
            return text;
        },
        Format = value => value ?? "",
    };

    /// <summary>The settings of a search.</summary>
    /// <param name="MaxSize">The largest subset (0: no limit).</param>
    /// <param name="Beam">The beam width (0: exhaustive).</param>
    /// <param name="Shard">The share of a job array (null: all of the work).</param>
    public sealed record Options(int MaxSize = 0, int Beam = 0, string? Shard = null);

    /// <summary>One subset's uniform soup and its scores.</summary>
    /// <param name="Members">The ingredients in it, in the order given.</param>
    /// <param name="HeldOut">Held-out accuracy.</param>
    /// <param name="Loss">Held-out loss.</param>
    /// <param name="Tests">Accuracy on each test split (only with test splits).</param>
    public sealed record SubsetScore(IReadOnlyList<string> Members, double HeldOut, double Loss, IReadOnlyDictionary<string, double>? Tests)
    {
        /// <summary>Number of ingredients in the subset.</summary>
        public int Size => Members.Count;
    }

    /// <summary>A test split's oracle: the best subset on it.</summary>
    public sealed record Oracle(string Split, SubsetScore Subset);

    /// <summary>What the search found.</summary>
    public sealed record Result(
        string Mode,
        int MaxSize,
        long Subsets,
        int Evaluated,
        int Cached,
        string? Shard,
        IReadOnlyList<string> Ranking,
        SubsetScore? Best,
        SubsetScore? Greedy,
        IReadOnlyList<Oracle> Oracles,
        IReadOnlyList<SubsetScore> Scores) : StrategyResult
    {
        /// <inheritdoc />
        public override string Summary()
        {
            if (Best is null)
                return $"shard {Shard}: scored {Evaluated} of {Subsets} subset soups ({Cached} already in the results files); no soup is written";
            var text = $"best of {Subsets} subsets ({Mode}): {Describe(Best)}; greedy soup's choice: {Describe(Greedy!)}";
            return Oracles.Aggregate(text, (t, o) => t + $"; oracle on {o.Split} (an upper bound, not a fair method): " +
                                                      $"{Names(o.Subset)} {Percent.Sign(o.Subset.Tests![o.Split])}");
        }

        /// <inheritdoc />
        public override IReadOnlyList<ResultTable> Tables()
        {
            if (Best is null) return [];
            var splits = Best.Tests?.Keys.ToList() ?? [];
            IReadOnlyList<string> Row(string what, SubsetScore s) =>
                [what, s.Size.ToString(CultureInfo.InvariantCulture), Names(s), Percent.Of(s.HeldOut), .. splits.Select(n => Percent.Of(s.Tests![n]))];
            var rows = new List<IReadOnlyList<string>> { Row("best on held-out", Best), Row("greedy soup", Greedy!) };
            rows.AddRange(Oracles.Select(o => Row($"oracle on {o.Split} (upper bound, not a method)", o.Subset)));
            var top = Scores.OrderBy(s => s, SubsetOrder.ByHeldOut(Ranking)).Take(10)
                .Select((s, i) => Row((i + 1).ToString(CultureInfo.InvariantCulture), s)).ToList();
            return
            [
                new ResultTable("search", ["subset", "size", "members", "held-out", .. splits], rows),
                new ResultTable("top 10 subsets on held-out", ["rank", "size", "members", "held-out", .. splits], top),
            ];
        }

        /// <summary>Every subset's held-out accuracy (%) by size; greedy's choice a ring around the best subset's dot, so both show when they are one.</summary>
        public override IReadOnlyList<ResultPlot> Plots() => Best is null ? [] :
        [
            new ResultPlot("subsets", "Held-out accuracy of every subset's uniform soup", "subset size", "held-out accuracy (%)",
            [
                new PlotSeries("subsets", Scores.Select(s => (double)s.Size).ToList(), Scores.Select(s => 100 * s.HeldOut).ToList()) { Line = false },
                new PlotSeries("best subset", [Best.Size], [100 * Best.HeldOut]) { Line = false, MarkerSize = 12 },
                new PlotSeries("greedy soup", [Greedy!.Size], [100 * Greedy.HeldOut]) { Line = false, MarkerSize = 22, Hollow = true },
            ]) { WholeX = true },
        ];

        private static string Describe(SubsetScore s) => $"{Names(s)} held-out {Percent.Sign(s.HeldOut)}";

        private static string Names(SubsetScore s) => "{" + string.Join(", ", s.Members.Select(Path.GetFileName)) + "}";
    }

    /// <inheritdoc />
    public override string Name => "search";

    /// <inheritdoc />
    public override string Summary =>
        "Bake the best subset soup: the uniform soup of every subset of the checkpoints (or a beam search) scored on the held-out split.";

    /// <inheritdoc />
    public override StrategyNeeds Needs => StrategyNeeds.HeldOut;

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => [MaxSize, Beam, ShardOf];

    /// <inheritdoc />
    public override IReadOnlyList<string> PlotNames => ["subsets"];

    /// <summary>A row of <c>soup compare</c> only when named (<c>--strategies ...,search</c>): it evaluates up to 2ᴺ−1 soups.</summary>
    public override IReadOnlyList<StrategyVariant> Variants =>
        [new(Name, values => values.With(ShardOf, null)) { Fixes = [ShardOf], OnlyWhenNamed = true }];

    /// <inheritdoc />
    public override Options Read(ParameterValues values) => new(values.Get(MaxSize), values.Get(Beam), values.Get(ShardOf));

    /// <inheritdoc />
    public override SoupPlan Plan(PlanContext context, Options options)
    {
        var readers = context.Ingredients.Readers;
        var n = readers.Count;
        if (n > 62) throw new UsageException($"search takes at most 62 checkpoints, not {n}");
        var maxSize = options.MaxSize == 0 ? n : Math.Min(options.MaxSize, n);
        var shard = Shard.Parse(options.Shard);
        if (!shard.IsWhole && options.Beam > 0)
            throw new OptionException("shard", "a beam search is sequential (each size grows the last one's best); shard an exhaustive search");
        long total = options.Beam > 0 ? BeamSearch.Count(n, maxSize, options.Beam) : Subsets.Count(n, maxSize);
        if (options.Beam == 0 && total > MaxExhaustive)
            throw new UsageException(TooMany(n, maxSize, total, SecondsPerEvaluation(context), context.Tests.Count));
        // The subset soups (two or more members) this run will mix: a beam's count is a bound (its rounds may overlap).
        var planned = shard.IsWhole ? total - n : SearchShard.Planned(n, maxSize, shard);
        var search = new SubsetScorer(context, maxSize, planned, options.Beam > 0 ? "at most " : "");

        // Every ingredient alone: its own score (shared with soup eval and greedy through the results files).
        var singles = new SubsetScore[n];
        for (var i = 0; i < n; i++)
        {
            context.Report(Phases.Ingredients, i, n, Phases.IngredientsDetail(i, n, 0));
            if (shard.Takes(i)) singles[i] = search.Single(i);
        }

        if (!shard.IsWhole)
        {
            // A share of a job array: score this share's subsets into the results file; no choice, no soup.
            SearchShard.Score(search, n, maxSize, shard);
            var partial = new Result("exhaustive", maxSize, total, search.Evaluated, search.CachedCount, shard.ToString(), [], null, null, [], []);
            return SoupPlan.Partial(Name, $"search shard {shard}", partial);
        }

        var ranking = GreedyOrder.Of(singles.Select(s => s.HeldOut).ToList());
        var rank = new int[n];
        for (var r = 0; r < n; r++) rank[ranking[r]] = r;
        var order = SubsetOrder.ByHeldOut(ranking.Select(i => readers[i].Path).ToList());
        if (options.Beam == 0)
        {
            foreach (var members in Subsets.Exhaustive(n, maxSize).Where(m => m.Length > 1)) search.Mix(members);
        }
        else
        {
            BeamSearch.Run(search, singles, order, maxSize, options.Beam);
        }

        // Greedy soup's rule (the paper's: strictly better held-out accuracy) over the same exact-mean soups.
        var greedy = new List<int> { ranking[0] };
        var greedyScore = singles[ranking[0]];
        foreach (var i in ranking.Skip(1))
        {
            var candidate = greedy.Append(i).Order().ToArray();
            if (candidate.Length > maxSize) break;
            var score = search.Mix(candidate);
            if (!AcceptRule.Greater.Accepts(score.HeldOut, greedyScore.HeldOut)) continue;
            greedy.Add(i);
            greedyScore = score;
        }
        // Every subset scored (a beam search's, and greedy's path) competes.
        var scored = search.All;
        var best = scored.MinBy(s => s.Score, order);
        var oracles = context.Tests.Select(t => new Oracle(t.Name,
            scored.MinBy(s => s.Score, SubsetOrder.ByTest(t.Name, ranking.Select(i => readers[i].Path).ToList())).Score)).ToList();

        var weights = new double[n];
        foreach (var i in best.Members) weights[i] = 1; // the baker divides by the count once: the exact mean
        var result = new Result(options.Beam == 0 ? "exhaustive" : $"beam {options.Beam}", maxSize, scored.Count, search.Evaluated,
            search.CachedCount, null, ranking.Select(i => readers[i].Path).ToList(), best.Score, greedyScore, oracles,
            scored.Select(s => s.Score).ToList());
        var label = best.Members.Length == 1 ? "best subset soup (1 ingredient)" : $"best subset soup ({best.Members.Length} ingredients)";
        return new SoupPlan(Name, label, new WeightedMean(weights), result);
    }

    // One silent evaluation of the first ingredient, timed (never cached), for the estimate of a refusal.
    private static double SecondsPerEvaluation(PlanContext context)
    {
        var clock = Stopwatch.StartNew();
        using var soup = SoupState.From(context.Ingredients.Readers[0], context.Device);
        context.Evaluator.Score(soup.Tensors, "timing", context.HeldOut, context.Cancellation);
        return clock.Elapsed.TotalSeconds;
    }

    private static string TooMany(int n, int maxSize, long total, double secondsEach, int tests)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = $"searching every subset of {n} checkpoints" + (maxSize < n ? $" up to size {maxSize}" : "") +
                   $" means {total.ToString("N0", inv)} soups";
        if (double.IsFinite(secondsEach))
            text += $", about {Duration(total * secondsEach * (1 + tests))} at {secondsEach.ToString("0.###", inv)} s per evaluation measured here";
        var fits = Enumerable.Range(1, maxSize).LastOrDefault(k => Subsets.Count(n, k) <= MaxExhaustive);
        return text + $" (more than {MaxExhaustive.ToString("N0", inv)}); give --beam W, or --max-size {fits} " +
               $"({Subsets.Count(n, fits).ToString("N0", inv)} soups)";
    }

    private static string Duration(double seconds) => seconds switch
    {
        < 120 => seconds.ToString("0", CultureInfo.InvariantCulture) + " s",
        < 7200 => (seconds / 60).ToString("0", CultureInfo.InvariantCulture) + " minutes",
        < 172800 => (seconds / 3600).ToString("0.#", CultureInfo.InvariantCulture) + " hours",
        _ => (seconds / 86400).ToString("0.#", CultureInfo.InvariantCulture) + " days",
    };
}
