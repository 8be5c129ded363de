using System.Globalization;
using System.Text;
using Soups.Evaluation;
using Soups.Runs;

namespace Soups.Cli.Reports;

/// <summary><c>report.md</c>: a table like the paper's (method, held-out and test accuracies, inference cost).</summary>
internal static class MarkdownReport
{
    public static string Render(ComparisonResult report, string plotFile)
    {
        var text = new StringBuilder();
        text.AppendLine("# Soup comparison");
        text.AppendLine();
        text.AppendLine($"Held-out split: {report.HeldOut}. Test splits: {(report.Tests.Count == 0 ? "none" : string.Join(", ", report.Tests))}. " +
                        $"{report.Ingredients.Count} ingredients. soup {report.ToolVersion}, {report.ElapsedSeconds:0} s.");
        text.AppendLine();
        text.AppendLine(Table(report.Methods, report.Tests, withCost: true));
        var accuracies = report.Ingredients.Select(r => r.HeldOut.Accuracy).ToList();
        text.AppendLine($"Ingredients' held-out accuracy (%): min {Percent.Of(accuracies.Min())}, mean {Percent.Of(accuracies.Average())}, " +
                        $"max {Percent.Of(accuracies.Max())}.");
        text.AppendLine();
        text.AppendLine("## Ingredients");
        text.AppendLine();
        text.AppendLine(Table(report.Ingredients, report.Tests, withCost: false));
        text.AppendLine($"![held-out vs test accuracy]({plotFile})");
        return text.ToString();
    }

    public static string Table(IReadOnlyList<ScoreRow> rows, IReadOnlyList<string> tests, bool withCost)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        var header = "| method | held-out |" + string.Concat(tests.Select(t => $" {t} |")) + (tests.Count > 1 ? " mean test |" : "") + (withCost ? " forward passes |" : "");
        text.AppendLine(header);
        text.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", header.Count(c => c == '|') - 2)));
        foreach (var row in rows)
        {
            var line = $"| {row.Name} | {Percent.Of(row.HeldOut.Accuracy)} |" + string.Concat(tests.Select(t => $" {Percent.Of(row.Tests[t].Accuracy)} |"));
            if (tests.Count > 1) line += $" {Percent.Of(row.MeanTestAccuracy!.Value)} |";
            if (withCost) line += string.Create(inv, $" {row.Forwards} |");
            text.AppendLine(line);
        }
        return text.ToString();
    }
}
