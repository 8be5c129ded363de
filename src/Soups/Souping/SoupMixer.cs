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
    /// Mixes tensor <paramref name="info"/> as Σᵢ wᵢ·xᵢ / Σᵢ wᵢ, accumulated in float64 in ingredient order and
    /// divided once, so that the uniform soup is bit-identical to PyTorch's <c>(Σ x.double()) / N</c> for every N and
    /// a weighted one to <c>(Σ w·x.double()) / Σ w</c> (issue #8). The weights need not be normalised; the result has
    /// dtype <paramref name="dtype"/> and lives on <see cref="Device"/>. Integer tensors cannot be averaged: they are
    /// kept when all ingredients agree, else the first ingredient's value is kept and a warning added.
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
                using var equal = first.eq(other);
                using var all = equal.all();
                if (all.item<bool>()) continue;
                warnings.Add($"non-float tensor '{info.Name}' differs between ingredients; kept the value of {ingredients.Readers[0].Path}");
                break;
            }
            return first.to(Device).MoveToOuterDisposeScope();
        }
        // Scaling every weight by one power of two is exact, so it changes no bit of the result; it only keeps wᵢ·xᵢ
        // from overflowing when the weights are huge.
        var scale = WeightScale(weights);
        var accumulator = torch.zeros(info.Shape, torch.float64, Device);
        using var flat = accumulator.view(-1);
        var elements = flat.shape[0];
        // Inputs are added slice by slice through one reused float64 buffer: a whole-tensor add would first make a
        // float64 copy of the input (twice its size), and fresh temporaries per slice fragment the heap.
        using var buffer = torch.empty(Math.Max(1, Math.Min(SliceElements, elements)), torch.float64, Device);
        double total = 0;
        for (var i = 0; i < ingredients.Count; i++)
        {
            if (weights[i] == 0) continue;
            var weight = weights[i] * scale;
            total += weight;
            using var input = ingredients.Readers[i].Read(info.Name);
            using var inputFlat = input.view(-1);
            for (long start = 0; start < elements; start += SliceElements)
            {
                var length = Math.Min(SliceElements, elements - start);
                using var target = buffer.narrow(0, 0, length);
                using var source = inputFlat.narrow(0, start, length);
                using var slice = flat.narrow(0, start, length);
                target.copy_(source);
                if (weight != 1) target.mul_(weight); // w·x rounded, then added: what (Σ w·x.double()) computes
                slice.add_(target);
            }
        }
        if (total != 1) accumulator.div_(total);
        CheckFinite(ingredients, info, weights, accumulator, warnings);
        return accumulator.to(dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Throws unless the weights are finite, non-negative, not all zero, and their sum is finite.</summary>
    public static void CheckWeights(IReadOnlyList<double> weights)
    {
        if (weights.Any(w => !double.IsFinite(w) || w < 0))
            throw new SoupException("weights must be finite and non-negative");
        var sum = weights.Sum();
        if (double.IsInfinity(sum)) throw new SoupException("the weights' sum overflows double precision; scale them down");
        if (sum <= 0) throw new SoupException("weights must not all be zero");
    }

    private static double WeightScale(IReadOnlyList<double> weights)
    {
        var max = weights.Max();
        if (max <= 0 || !double.IsFinite(max)) return 1;
        return Math.ScaleB(1.0, -Math.ILogB(max)); // 2^-floor(log2 max): the largest weight becomes [1, 2)
    }

    // NaN or Inf in an ingredient spreads to the soup without a word; say which file and tensor (issue #8).
    private static void CheckFinite(IngredientSet ingredients, TensorInfo info, IReadOnlyList<double> weights,
        torch.Tensor accumulator, ICollection<string> warnings)
    {
        using (var finite = accumulator.isfinite())
        using (var all = finite.all())
            if (all.item<bool>()) return;
        var culprits = new List<string>();
        for (var i = 0; i < ingredients.Count; i++)
        {
            if (weights[i] == 0) continue;
            using var input = ingredients.Readers[i].Read(info.Name);
            using var finite = input.isfinite();
            using var all = finite.all();
            if (!all.item<bool>()) culprits.Add(ingredients.Readers[i].Path);
        }
        warnings.Add(culprits.Count > 0
            ? $"tensor '{info.Name}' holds NaN or Inf values in {string.Join(", ", culprits)}; the soup's '{info.Name}' is not finite"
            : $"tensor '{info.Name}': the weighted sum overflows; the soup's '{info.Name}' is not finite");
    }
}
