using Soups.Evaluation;

namespace Soups.Cli.Printing;

/// <summary>Rows of scores (a soup beside its baselines): accuracy on the held-out split and on every test split.</summary>
internal static class ScoreTable
{
    public static void Write(Sheet output, IReadOnlyList<ScoreRow> rows)
    {
        var tests = rows.Count == 0 ? [] : rows[0].Tests.Keys.ToList();
        output.Table(["", "held-out", .. tests],
            rows.Select(r => (IReadOnlyList<string>)[r.Name, Accuracy(r.HeldOut), .. tests.Select(t => Accuracy(r.Tests[t]))]), highlightBest: true);
    }

    private static string Accuracy(EvalResult result) => Percent.Of(result.Accuracy);
}
