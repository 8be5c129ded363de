namespace Soups.Souping;

/// <summary>Ingredients whose tensor names, shapes or dtypes differ; exit code 2, nothing is written.</summary>
public sealed class IncompatibleIngredientsException(CompatibilityReport report)
    : SoupException(report.Summary())
{
    /// <summary>The differences found.</summary>
    public CompatibilityReport Report { get; } = report;
}
