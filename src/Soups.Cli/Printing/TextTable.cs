namespace Soups.Cli.Printing;

/// <summary>Plain aligned columns for terminals and logs: text left-aligned, numbers right-aligned.</summary>
internal static class TextTable
{
    public static void Write(TextWriter output, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows, string indent = "")
    {
        var all = rows.ToList();
        var widths = columns.Select((c, i) => Math.Max(c.Length, all.Count == 0 ? 0 : all.Max(r => i < r.Count ? r[i].Length : 0))).ToArray();
        var numeric = columns.Select((_, i) => all.Count > 0 && all.All(r => i >= r.Count || r[i].Length == 0 || IsNumber(r[i]))).ToArray();
        output.WriteLine(indent + Line(columns, widths, numeric).TrimEnd());
        foreach (var row in all) output.WriteLine(indent + Line(row, widths, numeric).TrimEnd());
    }

    private static string Line(IReadOnlyList<string> cells, int[] widths, bool[] numeric) =>
        string.Join("  ", widths.Select((w, i) => i < cells.Count ? numeric[i] ? cells[i].PadLeft(w) : cells[i].PadRight(w) : "".PadRight(w)));

    private static bool IsNumber(string text) =>
        double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _) || text == "NaN";
}
