namespace Soups.Runs;

/// <summary>
/// What a run tells its front end while it works: progress lines, details (for verbose output), warnings, and step
/// progress for bars. The engine never prints; a front end decides what to show (issue #9).
/// </summary>
public sealed class RunObserver
{
    /// <summary>Nothing is listened to.</summary>
    public static RunObserver Silent { get; } = new();

    /// <summary>A line of progress (an ingredient's score, a greedy step).</summary>
    public Action<string>? Info { get; init; }

    /// <summary>One step's outcome with its tone (a greedy candidate accepted or rejected); null: told as <see cref="Info"/>.</summary>
    public Action<string, NoteTone>? Step { get; init; }

    /// <summary>A line of detail (where weights were found in a file).</summary>
    public Action<string>? Detail { get; init; }

    /// <summary>Something the user should know (NaN weights, a pickle that would run code).</summary>
    public Action<string>? Warning { get; init; }

    /// <summary>Step progress (evaluation passes, baking), for progress bars.</summary>
    public IProgress<StepProgress>? Progress { get; init; }
}
