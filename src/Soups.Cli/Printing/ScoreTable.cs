using System.Globalization;
using Soups.Evaluation;

namespace Soups.Cli.Printing;

/// <summary>Rows of scores (a soup beside its baselines): accuracy on the held-out split and on every test split.</summary>
internal static class ScoreTable
{
    public static void Write(TextWriter output, IReadOnlyList<ScoreRow> rows)
    {
        var tests = rows.Count == 0 ? [] : rows[0].Tests.Keys.ToList();
        TextTable.Write(output, ["", "held-out", .. tests],
            rows.Select(r => (IReadOnlyList<string>)[r.Name, Accuracy(r.HeldOut), .. tests.Select(t => Accuracy(r.Tests[t]))]));
    }

    private static string Accuracy(EvalResult result) => result.Accuracy.ToString("0.0000", CultureInfo.InvariantCulture);
}
