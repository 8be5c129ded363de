namespace Soups.Evaluation;

/// <summary>
/// One line of a results table: a soup, an ingredient or an ensemble, with its held-out score, its score on every
/// test split, and its inference cost in forward passes.
/// </summary>
public sealed record ScoreRow(string Name, string Kind, int Forwards, EvalResult HeldOut,
    IReadOnlyDictionary<string, EvalResult> Tests)
{
    /// <summary>Mean accuracy over the test splits, or null when there are none.</summary>
    public double? MeanTestAccuracy => Tests.Count == 0 ? null : Tests.Values.Average(t => t.Accuracy);
}
