using TorchSharp;

namespace Soups.Baking;

/// <summary>
/// The geometry of task vectors τᵢ = θᵢ − θ_base for one tensor: their Gram matrix ⟨τᵢ, τⱼ⟩, accumulated in float64 over
/// slices of the tensor, so memory holds k slices at a time, never k tensors.
/// </summary>
public static class TaskVectors
{
    /// <summary>⟨τᵢ, τⱼ⟩ for the tensor of <paramref name="inputs"/>.</summary>
    public static double[,] Gram(TensorInputs inputs)
    {
        var k = inputs.Count;
        var gram = new double[k, k];
        foreach (var (start, count) in inputs.Slices(Math.Max(4096, (1L << 24) / k)))
        {
            using var scope = torch.NewDisposeScope();
            var baseSlice = inputs.BaseRange(start, count).to(torch.float64, inputs.Device);
            var taus = torch.stack(Enumerable.Range(0, k)
                .Select(i => inputs.IngredientRange(i, start, count).to(torch.float64, inputs.Device) - baseSlice).ToArray());
            var values = taus.matmul(taus.t()).cpu().data<double>().ToArray();
            for (var i = 0; i < k; i++)
            for (var j = 0; j < k; j++) gram[i, j] += values[i * k + j];
        }
        return gram;
    }

    /// <summary>The cosine of every pair from a Gram matrix (NaN where a vector is zero).</summary>
    public static double[,] Cosines(double[,] gram)
    {
        var k = gram.GetLength(0);
        var cos = new double[k, k];
        for (var i = 0; i < k; i++)
        for (var j = 0; j < k; j++)
        {
            var norms = Math.Sqrt(gram[i, i]) * Math.Sqrt(gram[j, j]);
            cos[i, j] = norms > 0 ? gram[i, j] / norms : double.NaN;
        }
        return cos;
    }
}
