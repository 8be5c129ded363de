using System.Text;
using Soups.Baking;
using Soups.Checkpoints;

namespace Soups.Runs;

/// <summary>
/// A recipe is data from a file that may come from anyone: every count, name, number and type in it is checked
/// against the rest of it before it is believed (a weight per ingredient, a plain file name for every input, finite
/// non-negative weights, known output types), so an inconsistent recipe is one clear error and never a soup baked
/// at the wrong scale or a crash part way.
/// </summary>
public static class RecipeCheck
{
    /// <summary>Deepest nesting of soups of soups that is read.</summary>
    public const int MaxDepth = 16;

    /// <summary>Throws a <see cref="CheckpointFormatException"/> of <paramref name="path"/> naming the first inconsistency.</summary>
    public static void Require(Recipe recipe, string path)
    {
        if (Problem(recipe, "", 0) is { } problem)
            throw new CheckpointFormatException(path, $"its {Recipe.MetadataKey} metadata is inconsistent: {problem}");
    }

    /// <summary>
    /// True for a name that is only a file name: not empty, no folder part (<c>/</c> or <c>\</c>), not <c>.</c> or
    /// <c>..</c>, no control character or NUL, at most 255 bytes, and unchanged by path normalisation.
    /// </summary>
    public static bool IsPlainFileName(string? name) =>
        name is { Length: > 0 } && name is not ("." or "..") && !name.Any(c => c is '/' or '\\' || char.IsControl(c))
        && Encoding.UTF8.GetByteCount(name) <= 255 && Path.GetFileName(name) == name && name.Trim() == name;

    private static string? Problem(Recipe recipe, string where, int depth)
    {
        if (depth > MaxDepth) return $"{where}soups are nested more than {MaxDepth} deep";
        if (recipe.Version != 1) return $"{where}version {recipe.Version} is not one this version of soup reads";
        if (string.IsNullOrWhiteSpace(recipe.Strategy) || string.IsNullOrWhiteSpace(recipe.Command) || recipe.Tool is null)
            return $"{where}the strategy, command or tool is missing";
        if (recipe.Settings is null || recipe.Settings.Any(kv => kv.Value is null)) return $"{where}a setting has no value";
        if (recipe.Ingredients is null || recipe.Ingredients.Count == 0) return $"{where}it lists no ingredients";
        var count = recipe.Ingredients.Count;
        for (var i = 0; i < count; i++)
            if (InputProblem(recipe.Ingredients[i], $"{where}ingredient {i + 1}", depth) is { } problem) return problem;
        if (recipe.Base is { } baseInput && InputProblem(baseInput, $"{where}the base", depth) is { } baseProblem) return baseProblem;
        if (recipe.Weights is { } weights)
        {
            if (weights.Count != count) return $"{where}{weights.Count} weight(s) for {count} ingredient(s)";
            if (WeightsProblem(weights) is { } problem) return $"{where}weights: {problem}";
        }
        if (recipe.TensorWeights is { } perTensor)
        {
            if (recipe.Weights is null) return $"{where}per-tensor weights without weights";
            foreach (var (name, tensorWeights) in perTensor)
            {
                if (string.IsNullOrEmpty(name) || tensorWeights is null) return $"{where}a per-tensor weight entry has no name or no weights";
                if (tensorWeights.Length != count) return $"{where}tensor '{name}' has {tensorWeights.Length} weight(s) for {count} ingredient(s)";
                if (WeightsProblem(tensorWeights) is { } problem) return $"{where}tensor '{name}': {problem}";
            }
        }
        if (recipe.HeldOut is { } split && string.IsNullOrEmpty(split.Fingerprint)) return $"{where}the held-out split has no fingerprint";
        if (recipe.Read is not { StripPrefix: not null, MapPrefix: not null } read) return $"{where}how ingredients were read is missing";
        if (read.MapPrefix.Any(rule => rule is null || rule.IndexOf('=') <= 0)) return $"{where}a prefix rule is not FROM=TO";
        if (recipe.Output is null) return $"{where}the output is missing";
        if (recipe.Output.Format is { } format && !KnownCheckpointFormats.WritableNames.Contains(format, StringComparer.OrdinalIgnoreCase))
            return $"{where}output format '{format}' is not one soup writes";
        if (recipe.Output.DType is { } dtype && (DTypes.Parse(dtype) is not { } type || !DTypes.IsFloatingPoint(type)))
            return $"{where}output dtype '{dtype}' is not a floating-point type";
        return null;
    }

    private static string? InputProblem(RecipeInput? input, string what, int depth)
    {
        if (input is null) return $"{what} is empty";
        if (!IsPlainFileName(input.File)) return $"{what}'s file name '{Shown(input.File)}' is not a plain file name";
        if (input.Sha256 is not { Length: 64 } sha || !sha.All(char.IsAsciiHexDigit)) return $"{what} ({input.File}) has no valid SHA-256";
        if (input.WeightsKey is { } key && (key.Length == 0 || key.Any(char.IsControl))) return $"{what} ({input.File}) has an invalid weights key";
        return input.Recipe is { } nested ? Problem(nested, $"{what} ({input.File}): ", depth + 1) : null;
    }

    private static string? WeightsProblem(IReadOnlyList<double> weights)
    {
        try
        {
            WeightedMean.CheckWeights(weights);
            return null;
        }
        catch (OptionException e)
        {
            return e.Problem;
        }
    }

    // A name from a file is shown escaped and cut, never as it is.
    private static string Shown(string? name)
    {
        if (name is null) return "(none)";
        var text = new StringBuilder();
        foreach (var c in name.Take(80)) text.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        return name.Length > 80 ? text + "…" : text.ToString();
    }
}
