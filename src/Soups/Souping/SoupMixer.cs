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
        var elements = flat.shape[0];
        // Inputs are added slice by slice through one reused float64 buffer: a whole-tensor add would first make a
        // float64 copy of the input (twice its size), and fresh temporaries per slice fragment the heap.
        using var buffer = torch.empty(Math.Max(1, Math.Min(SliceElements, elements)), torch.float64, Device);
        for (var i = 0; i < ingredients.Count; i++)
        {
            if (weights[i] == 0) continue;
            using var input = ingredients.Readers[i].Read(info.Name);
            using var inputFlat = input.view(-1);
            for (long start = 0; start < elements; start += SliceElements)
            {
                var length = Math.Min(SliceElements, elements - start);
                using var target = buffer.narrow(0, 0, length);
                using var source = inputFlat.narrow(0, start, length);
                using var slice = flat.narrow(0, start, length);
                target.copy_(source);
                slice.add_(target, weights[i]);
            }
        }
        return accumulator.to(dtype).MoveToOuterDisposeScope();
    }
}
