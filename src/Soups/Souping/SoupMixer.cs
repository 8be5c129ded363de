using Soups.Checkpoints;
using TorchSharp;

namespace Soups.Souping;

/// <summary>
/// The weighted mean of one tensor across ingredients, read one ingredient at a time into a float64 accumulator:
/// memory holds one accumulator and one input, whatever the number of ingredients (issue #2).
/// </summary>
public sealed class SoupMixer(torch.Device device)
{
    private const long SliceElements = 1L << 22;

    /// <summary>The device the accumulation runs on.</summary>
    public torch.Device Device { get; } = device;

    /// <summary>
    /// Mixes tensor <paramref name="info"/> with <paramref name="weights"/>; the result has dtype
    /// <paramref name="dtype"/> and lives on <see cref="Device"/>. Integer tensors cannot be averaged: they are kept
    /// when all ingredients agree, else the first ingredient's value is kept and a warning added.
    /// </summary>
    public torch.Tensor Mix(IngredientSet ingredients, TensorInfo info, IReadOnlyList<double> weights,
        torch.ScalarType dtype, ICollection<string> warnings)
    {
        using var scope = torch.NewDisposeScope();
        if (!info.IsFloatingPoint)
        {
            var first = ingredients.Readers[0].Read(info.Name);
            for (var i = 1; i < ingredients.Count; i++)
            {
                using var other = ingredients.Readers[i].Read(info.Name);
                if (first.eq(other).all().item<bool>()) continue;
                warnings.Add($"non-float tensor '{info.Name}' differs between ingredients; kept the value of {ingredients.Readers[0].Path}");
                break;
            }
            return first.to(Device).MoveToOuterDisposeScope();
        }
        var accumulator = torch.zeros(info.Shape, torch.float64, Device);
        using var flat = accumulator.view(-1);
        for (var i = 0; i < ingredients.Count; i++)
        {
            if (weights[i] == 0) continue;
            using var input = ingredients.Readers[i].Read(info.Name);
            using var inputFlat = input.view(-1);
            // Add slice by slice: a whole-tensor add would make a float64 copy of the input (2× its size) first.
            for (long start = 0, count = inputFlat.shape[0]; start < count; start += SliceElements)
            {
                using var sliceScope = torch.NewDisposeScope();
                var length = Math.Min(SliceElements, count - start);
                flat.narrow(0, start, length).add_(inputFlat.narrow(0, start, length).to(torch.float64, Device), weights[i]);
            }
        }
        return accumulator.to(dtype).MoveToOuterDisposeScope();
    }
}
