using TorchSharp;

namespace Soups.Baking;

/// <summary>NaN or Inf in an ingredient spreads to the soup without a word; merges say which file and tensor (issue #8).</summary>
public static class NonFinite
{
    /// <summary>Adds a warning when <paramref name="merged"/> is not finite, naming the ingredients at fault.</summary>
    public static void Check(TensorInputs inputs, IReadOnlyList<double>? weights, torch.Tensor merged, ICollection<string> warnings)
    {
        if (IsFinite(merged)) return;
        var culprits = new List<string>();
        for (var i = 0; i < inputs.Count; i++)
        {
            if (weights != null && weights[i] == 0) continue;
            using var input = inputs.Ingredient(i);
            if (!IsFinite(input)) culprits.Add(inputs.PathOf(i));
        }
        var name = inputs.Info.Name;
        warnings.Add(culprits.Count > 0
            ? $"tensor '{name}' holds NaN or Inf values in {string.Join(", ", culprits)}; the soup's '{name}' is not finite"
            : $"tensor '{name}': the merge overflows; the soup's '{name}' is not finite");
    }

    /// <summary>
    /// True when every element is finite. The sum is finite exactly when no element is NaN or ±Inf, unless finite
    /// elements overflow it, which only the rare path of an element-wise check tells apart; the sum needs no copy of
    /// the tensor, where <c>isfinite</c> makes several (a float64 <c>abs</c> among them).
    /// </summary>
    public static bool IsFinite(torch.Tensor tensor)
    {
        using (var sum = tensor.sum(type: torch.ScalarType.Float64))
            if (double.IsFinite(sum.item<double>())) return true;
        using var finite = tensor.isfinite();
        using var all = finite.all();
        return all.item<bool>();
    }
}
