using System.Diagnostics;
using System.Globalization;
using Soups.Baking;
using Soups.Checkpoints;
using Soups.Evaluation;

namespace Soups.Strategies;

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

    /// <summary>The number of subsets of 1..<paramref name="maxSize"/> of <paramref name="count"/> items (saturating).</summary>
    public static long SubsetCount(int count, int maxSize)
    {
        long total = 0, choose = 1;
        for (var k = 1; k <= Math.Min(count, maxSize); k++)
        {
            choose = choose > long.MaxValue / (count - k + 1) ? long.MaxValue : choose * (count - k + 1) / k;
            total = choose == long.MaxValue || total > long.MaxValue - choose ? long.MaxValue : total + choose;
        }
        return total;
    }

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
        long total = options.Beam > 0 ? BeamCount(n, maxSize, options.Beam) : SubsetCount(n, maxSize);
        if (options.Beam == 0 && total > MaxExhaustive)
            throw new UsageException(TooMany(n, maxSize, total, SecondsPerEvaluation(context), context.Tests.Count));
        // The subset soups (two or more members) this run will mix: a beam's count is a bound (its rounds may overlap).
        var planned = shard.IsWhole
            ? total - n
            : Exhaustive(n, maxSize).Select((members, position) => (members, position)).LongCount(x => x.members.Length > 1 && shard.Takes(x.position));
        var search = new Search(context, maxSize, planned, options.Beam > 0 ? "at most " : "");

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
            long position = -1;
            foreach (var members in Exhaustive(n, maxSize))
            {
                position++;
                if (members.Length == 1 || !shard.Takes(position)) continue;
                search.Mix(members);
            }
            var partial = new Result("exhaustive", maxSize, total, search.Evaluated, search.CachedCount, shard.ToString(), [], null, null, [], []);
            return SoupPlan.Partial(Name, $"search shard {shard}", partial);
        }

        var ranking = GreedyOrder.Of(singles.Select(s => s.HeldOut).ToList());
        var rank = new int[n];
        for (var r = 0; r < n; r++) rank[ranking[r]] = r;
        var order = SubsetOrder.ByHeldOut(ranking.Select(i => readers[i].Path).ToList());
        if (options.Beam == 0)
        {
            foreach (var members in Exhaustive(n, maxSize).Where(m => m.Length > 1)) search.Mix(members);
        }
        else
        {
            var level = Enumerable.Range(0, n).Select(i => (Members: new[] { i }, Score: singles[i])).ToList();
            for (var size = 2; size <= maxSize; size++)
            {
                var kept = level.OrderBy(s => s.Score, order).Take(options.Beam).ToList();
                var grown = new SortedSet<long>();
                foreach (var (members, _) in kept)
                foreach (var i in Enumerable.Range(0, n).Where(i => !members.Contains(i)))
                    grown.Add(Mask(members) | (1L << i));
                level = grown.Select(mask => Members(mask, n)).Select(m => (m, search.Mix(m))).ToList();
            }
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
        var fits = Enumerable.Range(1, maxSize).LastOrDefault(k => SubsetCount(n, k) <= MaxExhaustive);
        return text + $" (more than {MaxExhaustive.ToString("N0", inv)}); give --beam W, or --max-size {fits} " +
               $"({SubsetCount(n, fits).ToString("N0", inv)} soups)";
    }

    private static string Duration(double seconds) => seconds switch
    {
        < 120 => seconds.ToString("0", CultureInfo.InvariantCulture) + " s",
        < 7200 => (seconds / 60).ToString("0", CultureInfo.InvariantCulture) + " minutes",
        < 172800 => (seconds / 3600).ToString("0.#", CultureInfo.InvariantCulture) + " hours",
        _ => (seconds / 86400).ToString("0.#", CultureInfo.InvariantCulture) + " days",
    };

    private static long BeamCount(int n, int maxSize, int beam)
    {
        long total = n;
        for (var size = 2; size <= maxSize; size++) total += Math.Min(SubsetCount(n, size) - SubsetCount(n, size - 1), (long)beam * (n - size + 1));
        return total;
    }

    /// <summary>Every subset of 1..<paramref name="maxSize"/> of <paramref name="n"/> items: by size, then in lexicographic order.</summary>
    public static IEnumerable<int[]> Exhaustive(int n, int maxSize)
    {
        for (var size = 1; size <= Math.Min(n, maxSize); size++)
        {
            var members = Enumerable.Range(0, size).ToArray();
            while (true)
            {
                yield return (int[])members.Clone();
                var j = size - 1;
                while (j >= 0 && members[j] == n - size + j) j--;
                if (j < 0) break;
                members[j]++;
                for (var k = j + 1; k < size; k++) members[k] = members[k - 1] + 1;
            }
        }
    }

    private static long Mask(IEnumerable<int> members) => members.Aggregate(0L, (m, i) => m | (1L << i));

    private static int[] Members(long mask, int n) => Enumerable.Range(0, n).Where(i => (mask & (1L << i)) != 0).ToArray();

    /// <summary>Scores subsets, each once per run, through the results cache, with progress and an ETA.</summary>
    private sealed class Search(PlanContext context, int maxSize, long planned, string bound)
    {
        private readonly Dictionary<long, SubsetScore> _known = [];
        private readonly List<(int[] Members, SubsetScore Score)> _all = [];

        /// <summary>Every subset scored so far, in the order scored.</summary>
        public IReadOnlyList<(int[] Members, SubsetScore Score)> All => _all;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private DateTime _lastNote = DateTime.MinValue;
        private int _fresh;

        public int Evaluated { get; private set; }

        public int CachedCount { get; private set; }

        public SubsetScore Single(int index)
        {
            var reader = context.Ingredients.Readers[index];
            var heldOut = context.Evaluator.Score(reader, context.HeldOut, context.Cancellation);
            var tests = context.Tests.Count == 0 ? null
                : context.Tests.ToDictionary(t => t.Name, t => context.Evaluator.Score(reader, t.Split, context.Cancellation).Accuracy);
            context.Note($"ingredient {reader.Path}: held-out accuracy {Percent.Sign(heldOut.Accuracy)}{(heldOut.Cached ? " (cached)" : "")}");
            var single = _known[1L << index] = new SubsetScore([reader.Path], heldOut.Accuracy, heldOut.Loss, tests);
            _all.Add(([index], single));
            return single;
        }

        public SubsetScore Mix(int[] members)
        {
            var mask = Mask(members);
            if (_known.TryGetValue(mask, out var known)) return known;
            context.Cancellation.ThrowIfCancellationRequested();
            var readers = context.Ingredients.Readers;
            var identity = context.Evaluator.MixIdentity(members.Select(i => (readers[i], 1.0)));
            var label = "soup of " + string.Join(" + ", members.Select(i => Path.GetFileName(readers[i].Path)));
            var weights = new double[readers.Count];
            foreach (var i in members) weights[i] = 1;
            SoupState Build() => SoupState.Build(context.Ingredients, new WeightedMean(weights), context.Device, []);
            var heldOut = context.Evaluator.ScoreMix(identity, label, context.HeldOut, Build, context.Cancellation);
            var cached = heldOut.Cached;
            Dictionary<string, double>? tests = null;
            if (context.Tests.Count > 0)
            {
                tests = [];
                foreach (var test in context.Tests)
                {
                    var score = context.Evaluator.ScoreMix(identity, label, test.Split, Build, context.Cancellation);
                    cached &= score.Cached;
                    tests[test.Name] = score.Accuracy;
                }
            }
            if (cached) CachedCount++;
            else _fresh++;
            Evaluated++;
            Report(members.Length);
            var subset = _known[mask] = new SubsetScore(members.Select(i => readers[i].Path).ToList(), heldOut.Accuracy, heldOut.Loss, tests);
            _all.Add((members, subset));
            return subset;
        }

        private void Report(int size)
        {
            // Greedy's path in a beam search may add subsets beyond the beam's own.
            var all = Math.Max(Evaluated, planned);
            context.Report("subset soups", Evaluated, all, $"subset soups {Evaluated}/{all} ({CachedCount} cached) · size {size}");
            if ((DateTime.UtcNow - _lastNote).TotalSeconds < 10) return;
            _lastNote = DateTime.UtcNow;
            var perSoup = _fresh > 0 ? _clock.Elapsed.TotalSeconds / _fresh : 0;
            context.Note(string.Create(CultureInfo.InvariantCulture,
                $"scored {Evaluated} of {(Evaluated > planned ? "" : bound)}{all} subset soups (size {size} of at most {maxSize}; {CachedCount} cached), {perSoup:0.###} s each"));
        }
    }
}

/// <summary>
/// Orders subset scores best first: higher accuracy; ties: the smaller subset, then the earlier-ranked ingredients
/// (each subset's members' ranks, sorted, compared in turn); NaN last.
/// </summary>
public sealed class SubsetOrder(Func<SearchSoup.SubsetScore, double> accuracy, IReadOnlyList<string> ranking) : IComparer<SearchSoup.SubsetScore>
{
    private readonly Dictionary<string, int> _rank = ranking.Select((path, r) => (path, r)).ToDictionary(x => x.path, x => x.r);

    /// <summary>By held-out accuracy.</summary>
    public static SubsetOrder ByHeldOut(IReadOnlyList<string> ranking) => new(s => s.HeldOut, ranking);

    /// <summary>By accuracy on test split <paramref name="split"/>.</summary>
    public static SubsetOrder ByTest(string split, IReadOnlyList<string> ranking) => new(s => s.Tests![split], ranking);

    /// <inheritdoc />
    public int Compare(SearchSoup.SubsetScore? x, SearchSoup.SubsetScore? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return 1;
        if (y is null) return -1;
        double a = accuracy(x), b = accuracy(y);
        if (a != b)
        {
            if (double.IsNaN(a)) return 1;
            if (double.IsNaN(b)) return -1;
            return b.CompareTo(a);
        }
        if (x.Size != y.Size) return x.Size.CompareTo(y.Size);
        var rx = x.Members.Select(m => _rank[m]).Order().ToList();
        var ry = y.Members.Select(m => _rank[m]).Order().ToList();
        for (var i = 0; i < rx.Count; i++)
            if (rx[i] != ry[i]) return rx[i].CompareTo(ry[i]);
        return 0;
    }
}
