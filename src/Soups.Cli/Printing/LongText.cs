using System.Globalization;
using System.Text;

namespace Soups.Cli.Printing;

/// <summary>
/// Output that may be huge, shortened for people: a soup's recipe lives in its metadata and can be tens of MB
/// (per-tensor weights over a million tensors, recipes nested in recipes), and a table per tensor can have a million
/// rows. Printed whole they would bury the rest; the JSON output and the report keep them whole.
/// </summary>
internal static class LongText
{
    /// <summary>Characters of a long value that are shown.</summary>
    public const int Shown = 200;

    /// <summary>
    /// <paramref name="text"/> on one line: whole when it is at most <paramref name="shown"/> characters, else those
    /// first characters, "…" and the size of the whole (e.g. <c>… (95.3 MB)</c>).
    /// </summary>
    public static string Cut(string text, int shown = Shown)
    {
        if (text.Length <= shown) return OneLine(text);
        var head = text[..shown];
        if (char.IsHighSurrogate(head[^1])) head = head[..^1]; // never half a character
        return $"{OneLine(head)}… ({Size(Encoding.UTF8.GetByteCount(text))})";
    }

    /// <summary>Rows of a table that are printed; the rest are counted (a per-tensor table may have a million rows).</summary>
    public const int ShownRows = 100;

    /// <summary>The first <see cref="ShownRows"/> of <paramref name="rows"/>, and how many are left out.</summary>
    public static (IEnumerable<T> Shown, int LeftOut) Head<T>(IReadOnlyCollection<T> rows) =>
        (rows.Take(ShownRows), Math.Max(0, rows.Count - ShownRows));

    // Sizes as safetensors states its header limit: decimal megabytes.
    private static string Size(long bytes) => bytes < 1_000_000
        ? bytes.ToString("N0", CultureInfo.InvariantCulture) + " bytes"
        : (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " MB";

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
