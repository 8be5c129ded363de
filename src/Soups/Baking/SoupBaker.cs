using Soups.Checkpoints;
using Soups.FileSystem;
using Soups.Ingredients;
using TorchSharp;

namespace Soups.Baking;

/// <summary>Where and how to write a soup.</summary>
/// <param name="Path">The output file.</param>
/// <param name="Format">An output format name, or null to choose by extension (safetensors by default).</param>
/// <param name="Overwrite">Replace an existing file.</param>
/// <param name="DType">Store floating-point tensors in this type instead of the ingredients' own.</param>
public sealed record SoupOutput(string Path, string? Format = null, bool Overwrite = false, torch.ScalarType? DType = null);

/// <summary>What baking wrote.</summary>
public sealed record BakeResult(string Path, string Format, string Sha256, int TensorCount, long ParameterCount,
    long Bytes, IReadOnlyList<string> Warnings);

/// <summary>
/// Writes a soup one tensor name at a time: the strategy's merge makes each floating-point tensor, integer tensors
/// come from <see cref="IntegerTensors"/>, and each is written and released before the next is made (issue #2). The
/// file appears whole or not at all (<see cref="AtomicFile"/>).
/// </summary>
public sealed class SoupBaker(torch.Device device)
{
    /// <summary>Bakes <paramref name="merge"/> over <paramref name="ingredients"/> into <paramref name="output"/>.</summary>
    public BakeResult Bake(IngredientSet ingredients, ITensorMerge merge, SoupOutput output,
        IReadOnlyDictionary<string, string> metadata, IProgress<StepProgress>? progress = null, CancellationToken cancellation = default)
    {
        ingredients.RequireCompatible();
        var format = KnownCheckpointFormats.ForOutput(output.Path, output.Format);
        var writer = format.Writer ?? throw new OptionException("format", $"{format.Name} cannot be written");
        var layout = ingredients.Layout
            .Select(t => output.DType is { } d && t.IsFloatingPoint ? t with { DType = d } : t).ToList();
        var warnings = new List<string>();
        var done = 0;
        string? sha256;

        using (var file = AtomicFile.Create(output.Path, output.Overwrite))
        {
            // Hashed as it is written, so the soup is not read back just to be hashed (issue #12).
            using var hashing = new HashingStream(file.Stream);
            file.Run(_ => writer.Write(hashing, layout, info =>
            {
                cancellation.ThrowIfCancellationRequested();
                using var scope = torch.NewDisposeScope();
                var tensor = Make(ingredients, merge, info, device, warnings).cpu().contiguous().MoveToOuterDisposeScope();
                progress?.Report(new StepProgress("baking tensors", ++done, layout.Count));
                return tensor;
            }, metadata));
            cancellation.ThrowIfCancellationRequested(); // interrupted during the last tensor: still nothing written
            hashing.Flush();
            sha256 = hashing.Sha256;
            file.Commit();
        }
        var bytes = new FileInfo(output.Path).Length;
        return new BakeResult(output.Path, format.Name, sha256 ?? FileHash.Sha256(output.Path), layout.Count,
            layout.Where(t => t.IsFloatingPoint).Sum(t => t.ElementCount), bytes, warnings);
    }

    /// <summary>One tensor of the soup, as <c>info.DType</c> on <paramref name="device"/>: merged if floating-point, else picked.</summary>
    public static torch.Tensor Make(IngredientSet ingredients, ITensorMerge merge, TensorInfo info, torch.Device device,
        ICollection<string> warnings) =>
        info.IsFloatingPoint
            ? merge.Merge(new TensorInputs(ingredients, info, device), info.DType, warnings)
            : IntegerTensors.Pick(ingredients, info, device, warnings);
}
