using System.Globalization;
using Soups.Runs;

namespace Soups.Cli.Printing;

/// <summary>
/// The human output of every strategy's command: what was decided (the strategy's summary and tables), each
/// ingredient's share, the file written, and the scores beside the baselines when the run evaluated.
/// </summary>
internal static class SoupRunPrinter
{
    public static void Print(Sheet output, SoupRunResult result, string reportPath, bool live = false)
    {
        var inv = CultureInfo.InvariantCulture;
        if (result.Output is not { } o)
        {
            output.Line($"{result.Strategy}: {result.Details.Summary()}");
            return;
        }
        output.Line($"{Headline(result)} -> {o.Path}");
        output.Line($"  {result.Details.Summary()}");
        // Tables whose rows were shown live (greedy's steps) are not repeated.
        foreach (var table in result.Details.Tables().Where(t => !(live && t.Live)))
        {
            output.Line($"  {table.Title}:");
            var (rows, more) = LongText.Head(table.Rows);
            output.Table(table.Columns, rows, "    ");
            if (more > 0) output.Line($"    … and {more.ToString("N0", inv)} more rows (all of them in the report)");
        }
        foreach (var ingredient in result.Ingredients.Where(i => i.Weight is > 0))
            output.Line($"  weight {ingredient.Weight!.Value.ToString("0.0000", inv)}  {ingredient.Path}");
        var unused = result.Ingredients.Count(i => i.Weight is 0);
        if (unused > 0) output.Line($"  ({Ingredients(unused, "other ")} with weight 0)");
        if (result.Base != null) output.Line($"  base {result.Base}");
        output.Line($"  {o.Format}, {o.Tensors} tensors, {o.Parameters.ToString("N0", inv)} parameters, {Bytes(o.Bytes)}, {result.ElapsedSeconds.ToString("0.00", inv)} s");
        output.Line($"  sha256 {o.Sha256}");
        if (result.Scores is { } scores)
        {
            output.Line();
            ScoreTable.Write(output, scores);
        }
        output.Line();
        output.Line($"Report: {reportPath}");
    }

    /// <summary>
    /// What was made of how many ingredients, from the result record: "greedy soup: 1 of 12 ingredients kept" when a
    /// strategy left some out (weight 0), "uniform soup of 12 ingredients" otherwise.
    /// </summary>
    public static string Headline(SoupRunResult result)
    {
        var offered = result.Ingredients.Count;
        var kept = result.Ingredients.Count(i => i.Weight is not 0);
        return kept < offered ? $"{result.Strategy} soup: {kept} of {Ingredients(offered, "")} kept" : $"{result.Strategy} soup of {Ingredients(offered, "")}";
    }

    private static string Ingredients(int count, string which) => $"{count} {which}ingredient{(count == 1 ? "" : "s")}";

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.00} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes} B",
    };
}
