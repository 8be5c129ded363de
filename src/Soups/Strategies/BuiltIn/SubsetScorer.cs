using System.Diagnostics;
using System.Globalization;
using Soups.Baking;
using Soups.Evaluation;

namespace Soups.Strategies.BuiltIn;

/// <summary>Scores subsets, each once per run, through the results cache, with progress and an ETA.</summary>
internal sealed class SubsetScorer(PlanContext context, int maxSize, long planned, string bound)
{
    private readonly Dictionary<long, SearchSoup.SubsetScore> _known = [];
    private readonly List<(int[] Members, SearchSoup.SubsetScore Score)> _all = [];

    /// <summary>Every subset scored so far, in the order scored.</summary>
    public IReadOnlyList<(int[] Members, SearchSoup.SubsetScore Score)> All => _all;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private DateTime _lastNote = DateTime.MinValue;
    private int _fresh;

    public int Evaluated { get; private set; }

    public int CachedCount { get; private set; }

    public SearchSoup.SubsetScore Single(int index)
    {
        var reader = context.Ingredients.Readers[index];
        var heldOut = context.Evaluator.Score(reader, context.HeldOut, context.Cancellation);
        var tests = context.Tests.Count == 0 ? null
            : context.Tests.ToDictionary(t => t.Name, t => context.Evaluator.Score(reader, t.Split, context.Cancellation).Accuracy);
        context.Note($"ingredient {reader.Path}: held-out accuracy {Percent.Sign(heldOut.Accuracy)}{(heldOut.Cached ? " (cached)" : "")}");
        var single = _known[1L << index] = new SearchSoup.SubsetScore([reader.Path], heldOut.Accuracy, heldOut.Loss, tests);
        _all.Add(([index], single));
        return single;
    }

    public SearchSoup.SubsetScore Mix(int[] members)
    {
        var mask = Subsets.Mask(members);
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
        var subset = _known[mask] = new SearchSoup.SubsetScore(members.Select(i => readers[i].Path).ToList(), heldOut.Accuracy, heldOut.Loss, tests);
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
