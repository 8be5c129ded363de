using System.Globalization;
using Soups.Evaluation;
using Soups.Runs;

namespace Soups.Cli.Printing;

/// <summary>The human output of <c>soup eval</c>: one row per checkpoint.</summary>
internal static class EvaluationPrinter
{
    public static void Print(Sheet output, EvaluationResult result)
    {
        var inv = CultureInfo.InvariantCulture;
        output.Table(["checkpoint", "accuracy", "loss", "examples", ""], result.Results.Select(r => (IReadOnlyList<string>)
            [r.Checkpoint, Percent.Of(r.Accuracy), r.Loss.ToString("0.0000", inv), r.Count.ToString(inv), r.Cached ? "(cached)" : ""]));
    }
}
