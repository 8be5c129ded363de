namespace Soups.Strategies.BuiltIn;

/// <summary>
/// The search's beam (<c>--beam W</c>): from the single ingredients, each size keeps the W best subsets of the size
/// before and grows each by one ingredient, so N ingredients cost at most N + Σ W·(N−k) soups instead of 2ᴺ−1.
/// </summary>
internal static class BeamSearch
{
    /// <summary>An upper bound on the subsets a beam of width <paramref name="beam"/> scores (its rounds may overlap).</summary>
    public static long Count(int n, int maxSize, int beam)
    {
        long total = n;
        for (var size = 2; size <= maxSize; size++)
            total += Math.Min(Subsets.Count(n, size) - Subsets.Count(n, size - 1), (long)beam * (n - size + 1));
        return total;
    }

    /// <summary>Scores the beam's subsets of sizes 2..<paramref name="maxSize"/> through <paramref name="scorer"/>.</summary>
    public static void Run(SubsetScorer scorer, IReadOnlyList<SearchSoup.SubsetScore> singles, IComparer<SearchSoup.SubsetScore> order,
        int maxSize, int beam)
    {
        var n = singles.Count;
        var level = Enumerable.Range(0, n).Select(i => (Members: new[] { i }, Score: singles[i])).ToList();
        for (var size = 2; size <= maxSize; size++)
        {
            var kept = level.OrderBy(s => s.Score, order).Take(beam).ToList();
            var grown = new SortedSet<long>();
            foreach (var (members, _) in kept)
            foreach (var i in Enumerable.Range(0, n).Where(i => !members.Contains(i)))
                grown.Add(Subsets.Mask(members) | (1L << i));
            level = grown.Select(mask => Subsets.Members(mask, n)).Select(m => (m, scorer.Mix(m))).ToList();
        }
    }
}
