using Soups.Evaluation;

namespace Soups.Strategies.BuiltIn;

/// <summary>
/// One share of an exhaustive search run as a task of a job array (<c>--shard i/n</c>): the subsets are numbered in
/// <see cref="Subsets.Exhaustive"/>'s order and the share takes its positions, so the shares together score every
/// subset once; scores go to the results files, where a final run without <c>--shard</c> reads them back.
/// </summary>
internal static class SearchShard
{
    /// <summary>How many subset soups (two or more members) <paramref name="shard"/> mixes.</summary>
    public static long Planned(int n, int maxSize, Shard shard) =>
        Subsets.Exhaustive(n, maxSize).Select((members, position) => (members, position))
            .LongCount(x => x.members.Length > 1 && shard.Takes(x.position));

    /// <summary>Scores the subset soups of <paramref name="shard"/>; the single ingredients are scored by the caller.</summary>
    public static void Score(SubsetScorer scorer, int n, int maxSize, Shard shard)
    {
        long position = -1;
        foreach (var members in Subsets.Exhaustive(n, maxSize))
        {
            position++;
            if (members.Length == 1 || !shard.Takes(position)) continue;
            scorer.Mix(members);
        }
    }
}
