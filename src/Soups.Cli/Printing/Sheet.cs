using System.Globalization;
using Spectre.Console;
using Soups.Cli.Terminal;

namespace Soups.Cli.Printing;

/// <summary>
/// Where a command's result is printed: plain lines and aligned columns (a pipe, a file, a CI log), or — on a terminal —
/// Spectre tables that fit its width (cells wrap, nothing is cut) with the best accuracies highlighted (issue #13).
/// </summary>
internal abstract class Sheet
{
    /// <summary>Writes one line of text.</summary>
    public abstract void Line(string text = "");

    /// <summary>Writes a table; with <paramref name="highlightBest"/>, the highest number of each numeric column stands out.</summary>
    public abstract void Table(IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows, string indent = "",
        bool highlightBest = false);

    public static Sheet Plain(TextWriter output) => new PlainSheet(output);

    public static Sheet Rich(IAnsiConsole console) => new RichSheet(console);

    private sealed class PlainSheet(TextWriter output) : Sheet
    {
        public override void Line(string text = "") => output.WriteLine(text);

        public override void Table(IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows, string indent = "",
            bool highlightBest = false) => TextTable.Write(output, columns, rows, indent);
    }

    private sealed class RichSheet(IAnsiConsole console) : Sheet
    {
        public override void Line(string text = "") => console.Write(new Text(TerminalSafeWriter.Sanitize(text) + "\n"));

        public override void Table(IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows, string indent = "",
            bool highlightBest = false)
        {
            var all = rows.ToList();
            var numeric = columns.Select((_, i) => all.Count > 0 && all.All(r => i >= r.Count || r[i].Length == 0 || IsNumber(r[i]))).ToArray();
            var best = columns.Select((_, i) => numeric[i] && highlightBest && all.Count > 1
                ? all.Where(r => i < r.Count && IsNumber(r[i])).Select(r => Number(r[i])).DefaultIfEmpty(double.NaN).Max()
                : double.NaN).ToArray();
            var table = new Table { Border = TableBorder.Rounded };
            for (var i = 0; i < columns.Count; i++)
            {
                var column = new TableColumn(new Text(TerminalSafeWriter.Sanitize(columns[i]), new Style(decoration: Decoration.Bold)));
                table.AddColumn(numeric[i] ? column.RightAligned() : column);
            }
            foreach (var row in all)
            {
                table.AddRow(columns.Select((_, i) =>
                {
                    var cell = i < row.Count ? TerminalSafeWriter.Sanitize(row[i]) : "";
                    var top = !double.IsNaN(best[i]) && IsNumber(cell) && Number(cell) == best[i];
                    return (Spectre.Console.Rendering.IRenderable)new Text(cell, top ? new Style(Color.Green, decoration: Decoration.Bold) : Style.Plain);
                }).ToArray());
            }
            if (indent.Length > 0) console.Write(new Padder(table, new Padding(indent.Length, 0, 0, 0)));
            else console.Write(table);
        }

        private static bool IsNumber(string text) =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

        private static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}
