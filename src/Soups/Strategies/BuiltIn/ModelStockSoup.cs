using System.Globalization;
using Soups.Baking;
using Soups.Checkpoints;
using TorchSharp;

namespace Soups.Strategies.BuiltIn;

/// <summary>
/// Model Stock (Jang, Yun, Han; ECCV 2024). Per tensor, with task vectors τᵢ = θᵢ − θ_base: cos is the mean of the
/// pairwise cosine similarities of the τᵢ, t = k·cos / (1 + (k−1)·cos), and θ = t·mean(θᵢ) + (1−t)·θ_base. Where a
/// task vector is all zeros (a frozen tensor) the angle is undefined and the ingredients' mean is taken. The angles
/// are measured first, in slices of each tensor, so memory holds k slices, never k tensors. (Where the angles admit no
/// ratio, cos = −1/(k−1), the mean is taken too.)
/// </summary>
public sealed class ModelStockSoup : SoupStrategy<ModelStockSoup.Options>
{
    /// <summary>Model Stock takes no settings.</summary>
    public sealed record Options;

    /// <summary>The interpolation ratio t of every floating-point tensor (null where the mean was taken), and its spread.</summary>
    public sealed record Result(IReadOnlyDictionary<string, double?> Ratios, double? MinRatio, double? MedianRatio, double? MaxRatio,
        int MeanTensors) : StrategyResult
    {
        /// <inheritdoc />
        public override string Summary() => MedianRatio is null
            ? "Model Stock: every tensor frozen, the plain mean"
            : string.Create(CultureInfo.InvariantCulture,
                $"Model Stock: ratio t from {MinRatio:0.0000} to {MaxRatio:0.0000} (median {MedianRatio:0.0000}) over the tensors") +
              (MeanTensors > 0 ? $"; {MeanTensors} frozen tensor(s) took the mean" : "");

        /// <inheritdoc />
        public override IReadOnlyList<ResultTable> Tables() =>
        [
            new("ratio t per tensor", ["tensor", "t"], Ratios.Select(kv => (IReadOnlyList<string>)
                [kv.Key, kv.Value?.ToString("0.0000", CultureInfo.InvariantCulture) ?? "mean"]).ToList()),
        ];
    }

    /// <inheritdoc />
    public override string Name => "model-stock";

    /// <inheritdoc />
    public override string Summary =>
        "Bake a Model Stock soup: per tensor, the ingredients' mean pulled towards the base by a ratio set by the angles of their task vectors.";

    /// <inheritdoc />
    public override StrategyNeeds Needs => StrategyNeeds.Base;

    /// <inheritdoc />
    public override (int Min, int Max) IngredientCount => (2, int.MaxValue);

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => [];

    /// <inheritdoc />
    public override Options Read(ParameterValues values) => new();

    /// <inheritdoc />
    public override SoupPlan Plan(PlanContext context, Options options)
    {
        var ratios = new Dictionary<string, double?>(StringComparer.Ordinal);
        foreach (var info in context.Ingredients.Layout.Where(t => t.IsFloatingPoint))
        {
            context.Cancellation.ThrowIfCancellationRequested();
            ratios[info.Name] = Ratio(new TensorInputs(context.Ingredients, info, context.Target));
        }
        var known = ratios.Values.OfType<double>().Order().ToList();
        var result = new Result(ratios, known.Count > 0 ? known[0] : null, known.Count > 0 ? known[known.Count / 2] : null,
            known.Count > 0 ? known[^1] : null, ratios.Values.Count(r => r is null));
        return new SoupPlan(Name, "Model Stock soup", new StockMerge(ratios), result);
    }

    /// <summary>t for one tensor, or null when a task vector is all zeros.</summary>
    public static double? Ratio(TensorInputs inputs)
    {
        var k = inputs.Count;
        var gram = TaskVectors.Gram(inputs);
        if (Enumerable.Range(0, k).Any(i => gram[i, i] == 0)) return null;
        var cosines = TaskVectors.Cosines(gram);
        double sum = 0;
        var pairs = 0;
        for (var i = 0; i < k; i++)
        for (var j = i + 1; j < k; j++, pairs++) sum += cosines[i, j];
        var cos = sum / pairs;
        var t = k * cos / (1 + (k - 1) * cos);
        return double.IsFinite(t) ? t : null; // cos = -1/(k-1): no ratio exists; take the mean
    }

    /// <summary>θ = t·mean(θᵢ) + (1−t)·θ_base with each tensor's t; the exact mean where t is null.</summary>
    private sealed class StockMerge(IReadOnlyDictionary<string, double?> ratios) : ITensorMerge
    {
        public torch.Tensor Merge(TensorInputs inputs, torch.ScalarType dtype, ICollection<string> warnings)
        {
            using var scope = torch.NewDisposeScope();
            var mean = WeightedMean.Uniform(inputs.Count).Merge(inputs, torch.ScalarType.Float64, warnings);
            if (ratios[inputs.Info.Name] is not { } t) return mean.to(dtype).MoveToOuterDisposeScope();
            using (var baseTensor = inputs.Base().to(torch.float64, inputs.Device))
                mean.mul_(t).add_(baseTensor, 1 - t); // in place: t·mean + (1−t)·base
            return mean.to(dtype).MoveToOuterDisposeScope();
        }
    }
}
