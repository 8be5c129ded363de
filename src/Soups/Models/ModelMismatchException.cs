namespace Soups.Models;

/// <summary>
/// A checkpoint whose tensors do not fit the model: names missing or unexpected, or a shape that differs. Front ends
/// may add how to rename prefixes (their own option for it).
/// </summary>
public sealed class ModelMismatchException(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, string? shapeProblem)
    : SoupException($"{source}: {Describe(missing, unexpected, shapeProblem)}")
{
    /// <summary>The checkpoint (or candidate) that does not fit.</summary>
    public string Checkpoint { get; } = source;

    /// <summary>Model keys the checkpoint lacks.</summary>
    public IReadOnlyList<string> Missing { get; } = missing;

    /// <summary>Checkpoint keys the model lacks.</summary>
    public IReadOnlyList<string> Unexpected { get; } = unexpected;

    /// <summary>True when the names differ (renaming prefixes may help), false for a shape problem.</summary>
    public bool NamesDiffer => Missing.Count > 0 || Unexpected.Count > 0;

    private static string Describe(IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, string? shapeProblem)
    {
        if (shapeProblem != null) return shapeProblem;
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"{missing.Count} missing ({string.Join(", ", missing.Take(3))}{(missing.Count > 3 ? ", ..." : "")})");
        if (unexpected.Count > 0) parts.Add($"{unexpected.Count} unexpected ({string.Join(", ", unexpected.Take(3))}{(unexpected.Count > 3 ? ", ..." : "")})");
        return "tensor names do not match the model: " + string.Join("; ", parts);
    }
}
