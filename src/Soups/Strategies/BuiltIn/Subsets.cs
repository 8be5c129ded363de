namespace Soups.Strategies.BuiltIn;

/// <summary>
/// Subsets of N ingredients, as index arrays (sorted) or as bit masks (bit i for ingredient i: at most 62 of them).
/// </summary>
internal static class Subsets
{
    /// <summary>The number of subsets of 1..<paramref name="maxSize"/> of <paramref name="count"/> items (saturating).</summary>
    public static long Count(int count, int maxSize)
    {
        long total = 0, choose = 1;
        for (var k = 1; k <= Math.Min(count, maxSize); k++)
        {
            choose = choose > long.MaxValue / (count - k + 1) ? long.MaxValue : choose * (count - k + 1) / k;
            total = choose == long.MaxValue || total > long.MaxValue - choose ? long.MaxValue : total + choose;
        }
        return total;
    }

    /// <summary>Every subset of 1..<paramref name="maxSize"/> of <paramref name="n"/> items: by size, then lexicographically.</summary>
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

    public static long Mask(IEnumerable<int> members) => members.Aggregate(0L, (m, i) => m | (1L << i));

    public static int[] Members(long mask, int n) => Enumerable.Range(0, n).Where(i => (mask & (1L << i)) != 0).ToArray();
}
