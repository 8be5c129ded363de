using System.Globalization;
using Soups.Runs;

namespace Soups.Cli.Printing;

/// <summary>A soup's recipe as a tree (<c>soup inspect</c>), and the outcome of <c>soup rebake</c>.</summary>
internal static class RecipePrinter
{
    /// <summary>The recipe and, nested under each ingredient that is itself a soup, its recipe.</summary>
    public static void PrintTree(Sheet output, Recipe recipe, string indent)
    {
        output.Line($"{indent}recipe: {Describe(recipe)}");
        Children(output, recipe, indent);
    }

    public static void PrintRebake(Sheet output, RebakeResult result)
    {
        output.Line($"rebaked {result.Soup} ({result.Strategy}) from {result.Inputs.Count(i => i.Depth == 0)} ingredient file(s)" +
                         $"{(result.Inputs.Any(i => i.Rebaked) ? $", {result.Inputs.Count(i => i.Rebaked)} of them rebaked from nested recipes" : "")}");
        foreach (var input in result.Inputs)
            output.Line($"  {new string(' ', 2 * input.Depth)}{input.File}  sha256 {input.Sha256[..16]}…  " +
                             (input.Rebaked ? "(missing: rebaked from its recipe, hash verified)" : $"{input.Path} (hash verified)"));
        output.Line($"  recorded sha256 {result.Expected}");
        output.Line($"  rebaked  sha256 {result.Actual}");
        output.Line(result.Matches ? "  identical: the soup is reproducible" : "  DIFFERENT");
        if (result.WrittenTo != null) output.Line($"  written to {result.WrittenTo}");
        output.Line($"  {result.ElapsedSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s");
    }

    private static void Children(Sheet output, Recipe recipe, string indent)
    {
        var entries = recipe.Ingredients.Select((input, i) => (Input: input, Role: Weight(recipe, i))).ToList();
        if (recipe.Base is { } baseInput) entries.Add((baseInput, "base"));
        for (var i = 0; i < entries.Count; i++)
        {
            var last = i == entries.Count - 1;
            var (input, role) = entries[i];
            output.Line($"{indent}{(last ? "└─ " : "├─ ")}{input.File}  {role}  sha256 {input.Sha256}");
            if (input.Recipe is not { } nested) continue;
            var inner = indent + (last ? "   " : "│  ");
            output.Line($"{inner}recipe: {Describe(nested)}");
            Children(output, nested, inner);
        }
    }

    private static string Describe(Recipe recipe)
    {
        var settings = string.Join(" ", recipe.Settings.Where(kv => kv.Value.Length > 0).Select(kv => $"--{kv.Key} {LongText.Cut(kv.Value)}"));
        return $"{recipe.Strategy} by {recipe.Tool}" + (settings.Length > 0 ? $", {settings}" : "") +
               (recipe.HeldOut is { } split ? $", chosen on {split.Description}" : "") +
               (recipe.Output.DType is { } dtype ? $", stored as {dtype}" : "");
    }

    private static string Weight(Recipe recipe, int index)
    {
        if (recipe.TensorWeights != null) return "weight per tensor";
        if (recipe.Weights is not { } weights) return "ingredient";
        var total = weights.Sum();
        return "weight " + (weights[index] / total).ToString("0.0000", CultureInfo.InvariantCulture);
    }
}
