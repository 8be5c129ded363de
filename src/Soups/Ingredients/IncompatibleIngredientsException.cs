namespace Soups.Ingredients;

/// <summary>Ingredients whose tensor names, shapes or dtypes differ; nothing is written.</summary>
public sealed class IncompatibleIngredientsException(CompatibilityReport report)
    : SoupException(report.Summary())
{
    /// <summary>The differences found.</summary>
    public CompatibilityReport Report { get; } = report;
}
