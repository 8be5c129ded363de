using Soups.Evaluation;
using Soups.Souping;

namespace Soups.Cli.Reports;

/// <summary>What <c>soup compare</c> writes to <c>report.json</c> and prints with <c>--json</c>.</summary>
internal sealed record ComparisonReport(
    string HeldOut,
    IReadOnlyList<string> Tests,
    IReadOnlyList<ScoreRow> Methods,
    IReadOnlyList<ScoreRow> Ingredients,
    IReadOnlyDictionary<string, SoupReport> Soups,
    IReadOnlyList<string> GreedyEnsemble,
    string ReportMarkdown,
    string Plot,
    string ToolVersion,
    double ElapsedSeconds);
