using Soups.Baking;
using Soups.Ingredients;
using TorchSharp;

namespace Soups.Inspection;

/// <summary>One tensor's task vectors: each ingredient's norm ‖θᵢ − θ_base‖ and the mean cosine between pairs.</summary>
public sealed record TensorTaskVectors(string Tensor, IReadOnlyList<double> Norms, double MeanCosine);

/// <summary>
/// The task vectors τᵢ = θᵢ − θ_base of the ingredients: overall norms and pairwise cosines (the geometry Model Stock
/// builds on), and per tensor, computed from per-tensor Gram matrices read in slices.
/// </summary>
public sealed record TaskVectorGeometry(IReadOnlyList<double> Norms, double[][] Cosines, IReadOnlyList<TensorTaskVectors> Tensors)
{
    /// <summary>Measures the task vectors of <paramref name="ingredients"/> (which must have a base).</summary>
    public static TaskVectorGeometry Compute(IngredientSet ingredients, torch.Device device, IProgress<StepProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        var k = ingredients.Count;
        var total = new double[k, k];
        var tensors = new List<TensorTaskVectors>();
        var floats = ingredients.Layout.Where(t => t.IsFloatingPoint).ToList();
        foreach (var info in floats)
        {
            cancellation.ThrowIfCancellationRequested();
            var gram = TaskVectors.Gram(new TensorInputs(ingredients, info, device));
            for (var i = 0; i < k; i++)
            for (var j = 0; j < k; j++) total[i, j] += gram[i, j];
            tensors.Add(new TensorTaskVectors(info.Name, Enumerable.Range(0, k).Select(i => Math.Sqrt(gram[i, i])).ToList(), MeanPairCosine(gram)));
            progress?.Report(new StepProgress("measuring task vectors", tensors.Count, floats.Count));
        }
        var cosines = TaskVectors.Cosines(total);
        return new TaskVectorGeometry(Enumerable.Range(0, k).Select(i => Math.Sqrt(total[i, i])).ToList(),
            Enumerable.Range(0, k).Select(i => Enumerable.Range(0, k).Select(j => cosines[i, j]).ToArray()).ToArray(), tensors);
    }

    private static double MeanPairCosine(double[,] gram)
    {
        var k = gram.GetLength(0);
        if (k < 2) return double.NaN;
        var cosines = TaskVectors.Cosines(gram);
        double sum = 0;
        var pairs = 0;
        for (var i = 0; i < k; i++)
        for (var j = i + 1; j < k; j++, pairs++) sum += cosines[i, j];
        return sum / pairs;
    }
}
