using System.Globalization;
using System.Text.Json;
using Soups.Checkpoints;
using TorchSharp;

namespace Soups.Souping;

/// <summary>Where and how to write a soup.</summary>
/// <param name="Path">The output file.</param>
/// <param name="Format">An output format name, or null to choose by extension (safetensors by default).</param>
/// <param name="Overwrite">Replace an existing file (<c>--force</c>).</param>
/// <param name="DType">Store floating-point tensors in this type instead of the ingredients' own.</param>
public sealed record SoupOutput(string Path, string? Format = null, bool Overwrite = false, torch.ScalarType? DType = null);

/// <summary>What baking wrote.</summary>
public sealed record BakeResult(string Path, string Format, string Sha256, int TensorCount, long ParameterCount,
    long Bytes, IReadOnlyList<string> Warnings);

/// <summary>Progress of a long step: <paramref name="Done"/> of <paramref name="Total"/> units.</summary>
public sealed record StepProgress(string Step, long Done, long Total);

/// <summary>
/// Writes the weighted average a recipe describes, one tensor at a time: for each tensor name, each ingredient's
/// tensor is read, added into a float64 accumulator and released, so memory holds one accumulator and one input
/// tensor whatever the number of ingredients (issue #2).
/// </summary>
public sealed class SoupBaker(torch.Device device)
{
    /// <summary>Bakes <paramref name="recipe"/> over <paramref name="ingredients"/> into <paramref name="output"/>.</summary>
    public BakeResult Bake(IngredientSet ingredients, SoupRecipe recipe, SoupOutput output,
        IProgress<StepProgress>? progress = null, CancellationToken cancellation = default)
    {
        ingredients.RequireCompatible();
        var format = KnownCheckpointFormats.ForOutput(output.Path, output.Format);
        var writer = format.Writer ?? throw new SoupException($"format {format.Name} cannot be written");
        var layout = ingredients.Layout
            .Select(t => output.DType is { } d && t.IsFloatingPoint ? t with { DType = d } : t).ToList();
        var warnings = new List<string>();
        var metadata = Metadata(ingredients, recipe);
        var done = 0;
        var mixer = new SoupMixer(device);

        using (var file = AtomicFile.Create(output.Path, output.Overwrite))
        {
            file.Run(stream => writer.Write(stream, layout, info =>
            {
                cancellation.ThrowIfCancellationRequested();
                using var scope = torch.NewDisposeScope();
                var tensor = mixer.Mix(ingredients, info, recipe.WeightsFor(info.Name), info.DType, warnings)
                    .cpu().contiguous().MoveToOuterDisposeScope();
                progress?.Report(new StepProgress("mixing tensors", ++done, layout.Count));
                return tensor;
            }, metadata));
            cancellation.ThrowIfCancellationRequested(); // interrupted during the last tensor: still nothing written
            file.Commit();
        }
        var bytes = new FileInfo(output.Path).Length;
        return new BakeResult(output.Path, format.Name, Sha256Of(output.Path), layout.Count,
            layout.Where(t => t.IsFloatingPoint).Sum(t => t.ElementCount), bytes, warnings);
    }

    private static Dictionary<string, string> Metadata(IngredientSet ingredients, SoupRecipe recipe)
    {
        var names = ingredients.Readers.Select(r => Path.GetFileName(r.Path)).ToArray();
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["soup.strategy"] = recipe.Strategy,
            ["soup.ingredients"] = JsonSerializer.Serialize(names),
            ["soup.weights"] = JsonSerializer.Serialize(recipe.NormalisedWeights),
            ["soup.tool"] = "soup " + ToolVersion.Text,
        };
        if (recipe.PerTensor != null) metadata["soup.per_tensor_weights"] = "true";
        return metadata;
    }

    internal static string Sha256Of(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }
}
