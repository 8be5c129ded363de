namespace Soups;

/// <summary>
/// Progress of one phase of a run (ingredients scored, greedy candidates, subsets, tensors baked, ...):
/// <paramref name="Done"/> of <paramref name="Total"/> units, and optionally a line saying where it stands (the soup's
/// size and accuracy). A front end shows one display per phase. The phase <see cref="Pass"/> is one pass of a model
/// over a split, reported per batch: it is part of whichever phase is running.
/// </summary>
public sealed record StepProgress(string Step, long Done, long Total, string? Detail = null)
{
    /// <summary>The step name of a model's pass over a split (reported per batch).</summary>
    public const string Pass = "evaluating";
}

/// <summary>How a step line reads: plain, good news (an accepted candidate), or passed over (a rejected one).</summary>
public enum NoteTone
{
    /// <summary>Neither.</summary>
    Plain,

    /// <summary>Something kept or improved.</summary>
    Good,

    /// <summary>Something tried and dropped.</summary>
    Muted,
}
