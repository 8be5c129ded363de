using System.Globalization;
using Soups.Evaluation;
using Soups.Souping;

namespace Soups.Cli;

/// <summary>Human output of <c>soup greedy</c>: the steps, then best individual vs uniform vs greedy.</summary>
internal static class GreedyPrinter
{
    public static void Print(TextWriter output, SoupReport report, GreedyDetails details, IReadOnlyList<ScoreRow> scores,
        string reportPath)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"Greedy soup (accept: held-out accuracy {(details.Accept == "gt" ? ">" : ">=")} current soup)");
        var first = details.Scores.First(s => s.Path == details.Soup[0]);
        output.WriteLine(string.Create(inv, $"  start  {first.Path}  held-out {first.Accuracy:0.0000}"));
        foreach (var step in details.Steps)
            output.WriteLine(string.Create(inv,
                $"  {step.Step,5}  {step.Ingredient}  individual {step.IngredientAccuracy:0.0000}  candidate {step.CandidateAccuracy:0.0000}  {(step.Accepted ? "accepted" : "rejected")}"));
        output.WriteLine($"Soup: {details.Soup.Count} of {details.Scores.Count} ingredients -> {report.Output.Path} (sha256 {report.Output.Sha256[..16]}...)");
        output.WriteLine();
        PrintTable(output, scores);
        output.WriteLine();
        output.WriteLine($"Report: {reportPath}");
    }

    public static void PrintTable(TextWriter output, IReadOnlyList<ScoreRow> rows)
    {
        var tests = rows.Count == 0 ? [] : rows[0].Tests.Keys.ToList();
        var nameWidth = Math.Max(12, rows.Max(r => r.Name.Length));
        var header = "".PadRight(nameWidth) + "  held-out" + string.Concat(tests.Select(t => "  " + t.PadLeft(Math.Max(8, t.Length))));
        output.WriteLine(header);
        foreach (var row in rows)
        {
            var line = row.Name.PadRight(nameWidth) + "  " + row.HeldOut.Accuracy.ToString("0.0000", CultureInfo.InvariantCulture).PadLeft(8);
            foreach (var test in tests)
                line += "  " + row.Tests[test].Accuracy.ToString("0.0000", CultureInfo.InvariantCulture).PadLeft(Math.Max(8, test.Length));
            output.WriteLine(line);
        }
    }
}
