using System.Globalization;

namespace Soups.Strategies;

/// <summary>
/// A value chosen on the held-out split at the edge of the grid it was chosen from: the best may lie beyond what was
/// tried, so the user is told, with a wider grid to try. An edge that is a natural bound is an answer, not a limit of the
/// search, and is not warned of: α = 0 and α = 1 of an interpolation are the two checkpoints themselves, and λ = 0 is the
/// base alone (a negative λ subtracts what the fine-tunes learned: task negation, never a better soup for their task).
/// </summary>
public static class GridEdge
{
    /// <summary>
    /// The warning for <paramref name="chosen"/>, or null when it lies inside <paramref name="grid"/> or on a natural
    /// bound (<paramref name="lowest"/>, <paramref name="highest"/>). <paramref name="option"/> is the option that sets the grid.
    /// </summary>
    public static string? Warning(Grid grid, double chosen, string symbol, string option, double lowest, double highest)
    {
        var values = grid.Values.Distinct().Order().ToList();
        if (values.Count < 2) return null; // one value is not a choice
        var (min, max) = (values[0], values[^1]);
        var atTop = chosen == max && max < highest;
        var atBottom = chosen == min && min > lowest;
        if (!atTop && !atBottom) return null;
        // As far again beyond the edge, at the same step, but never past a natural bound.
        var span = max - min;
        var (start, stop) = atTop ? (min, Math.Min(highest, max + span)) : (Math.Max(lowest, min - span), max);
        var step = Step(grid, values);
        while ((stop - start) / step > 1000) step *= 2;
        return $"best at the edge of the grid ({symbol} = {F(chosen)}, the {(atTop ? "largest" : "smallest")} tried); " +
               $"try --{option} {F(start)}:{F(stop)}:{F(step)}";
    }

    // A range's own step; for a list, its smallest gap.
    private static double Step(Grid grid, IReadOnlyList<double> sorted)
    {
        var parts = grid.Text.Split(':');
        if (parts.Length == 3 && double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var step) && step > 0)
            return step;
        return sorted.Zip(sorted.Skip(1), (a, b) => b - a).Min();
    }

    private static string F(double value) => Math.Round(value, 12).ToString("0.############", CultureInfo.InvariantCulture);
}
