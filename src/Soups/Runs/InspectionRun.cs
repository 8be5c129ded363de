using Soups.Ingredients;
using Soups.Inspection;

namespace Soups.Runs;

/// <summary>What <see cref="InspectionRun"/> found: each checkpoint, whether they fit together, how far apart they are.</summary>
public sealed record InspectionResult(IReadOnlyList<CheckpointSummary> Checkpoints, bool Compatible,
    IReadOnlyList<Mismatch> Mismatches, int MismatchCount, double[][]? L2Distances, double[][]? CosineSimilarities)
{
    /// <summary>The base checkpoint, when given.</summary>
    public CheckpointSummary? Base { get; init; }

    /// <summary>Each checkpoint's recipe (null for one that is not a soup with a recipe), in the order of <see cref="Checkpoints"/>.</summary>
    public IReadOnlyList<Recipe?> Recipes { get; init; } = [];

    /// <summary>With a base: the ingredients' task vectors (norms and angles, overall and per tensor).</summary>
    public TaskVectorGeometry? TaskVectors { get; init; }
}

/// <summary>
/// Describes checkpoints from their indexes, checks that they can be souped together and, when asked and possible,
/// measures their pairwise distances (reading every tensor, one name at a time).
/// </summary>
public static class InspectionRun
{
    /// <summary>Inspects the checkpoints of <paramref name="ingredients"/>.</summary>
    public static InspectionResult Execute(IngredientRequest ingredients, ComputeRequest compute, bool distances,
        RunObserver observer, CancellationToken cancellation)
    {
        // Inspect is where a suspicious file is looked at: it reads every pickle as inert data and reports what it names.
        ingredients = ingredients with { Read = ingredients.Read with { AllowUnsafeGlobals = true } };
        using var inputs = RunInputs.Open(ingredients, null, compute, [], observer, requireCompatible: false);
        var set = inputs.Ingredients;
        var summaries = set.Readers.Select(CheckpointSummary.Of).ToList();
        var compatibility = set.CheckCompatibility();
        IngredientGeometry? geometry = null;
        if (set.Count > 1 && compatibility.IsCompatible && distances)
            geometry = IngredientGeometry.Compute(set, inputs.Device, observer.Progress, cancellation);
        TaskVectorGeometry? taskVectors = null;
        if (set.Base != null && compatibility.IsCompatible && distances)
            taskVectors = TaskVectorGeometry.Compute(set, inputs.Device, observer.Progress, cancellation);
        return new InspectionResult(summaries, compatibility.IsCompatible, compatibility.Mismatches, compatibility.TotalMismatches,
            Jagged(geometry?.Distances), Jagged(geometry?.Cosines))
        {
            Base = set.Base is null ? null : CheckpointSummary.Of(set.Base),
            TaskVectors = taskVectors,
            Recipes = set.Readers.Select(Recipe.Of).ToList(),
        };
    }

    private static double[][]? Jagged(double[,]? matrix)
    {
        if (matrix is null) return null;
        var n = matrix.GetLength(0);
        return Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n).Select(j => matrix[i, j]).ToArray()).ToArray();
    }
}
