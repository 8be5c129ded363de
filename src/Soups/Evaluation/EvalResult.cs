namespace Soups.Evaluation;

/// <summary>Top-1 accuracy and mean cross-entropy of one model on one split.</summary>
public sealed record EvalResult(double Accuracy, double Loss, int Count, long Correct)
{
    /// <summary>True when this came from the results cache rather than a fresh evaluation.</summary>
    public bool Cached { get; init; }
}
