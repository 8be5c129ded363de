namespace Soups.Strategies.BuiltIn;

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
