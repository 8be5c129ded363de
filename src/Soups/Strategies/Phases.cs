namespace Soups.Strategies;

/// <summary>Progress phases that several strategies and runs share.</summary>
public static class Phases
{
    /// <summary>Scoring each ingredient on the held-out split.</summary>
    public const string Ingredients = "ingredients";

    /// <summary>"ingredients 3/12 (2 cached)".</summary>
    public static string IngredientsDetail(int done, int total, int cached) =>
        $"ingredients {done}/{total}" + (cached > 0 ? $" ({cached} cached)" : "");
}
