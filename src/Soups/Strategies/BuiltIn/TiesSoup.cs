using System.Globalization;
using Soups.Baking;
using TorchSharp;

namespace Soups.Strategies.BuiltIn;

/// <summary>
/// TIES-merging (Yadav et al., NeurIPS 2023). Per tensor, with task vectors τᵢ = θᵢ − θ_base: trim each τᵢ to its
/// k = round(density·n) (at least 1) entries of largest magnitude; elect the sign of Σᵢ τ̂ᵢ per entry; average the
/// entries of the τ̂ᵢ that are non-zero and agree with the elected sign (the disjoint mean); θ = θ_base + λ·τ_merged.
/// λ is --scale when given; else it is chosen on the held-out split from --scales when one is given, and 1 without.
/// Each ingredient is read twice per tensor (once for the sign, once for the mean), one at a time.
/// </summary>
public sealed class TiesSoup : SoupStrategy<TiesSoup.Options>
{
    /// <summary>The fraction of each task vector's entries kept.</summary>
    public static readonly Parameter<double> Density = new("density", 0.2,
        "The fraction of each task vector's entries kept, by magnitude (0 < density <= 1).")
    {
        Check = v => v is > 0 and <= 1 ? null : $"must lie in (0, 1], got {v.ToString(CultureInfo.InvariantCulture)}",
    };

    /// <summary>The settings of TIES-merging.</summary>
    public sealed record Options(double Density = 0.2, double? Scale = null, Grid? Scales = null);

    /// <summary>The density and scale used and, when the scale was chosen, the curve it was chosen on.</summary>
    public sealed record Result(double Density, double Scale, IReadOnlyList<CurvePoint>? Curve) : StrategyResult
    {
        /// <inheritdoc />
        public override string Summary() =>
            string.Create(CultureInfo.InvariantCulture, $"TIES-merging, density {Density:0.####}, scale {Scale:0.####}")
            + (Curve is null ? "" : " (the scale chosen on held-out)");

        /// <inheritdoc />
        public override IReadOnlyList<ResultTable> Tables() => Curve is null ? [] : [Strategies.Curve.Table("scales tried", "λ", Curve)];

        /// <inheritdoc />
        public override IReadOnlyList<ResultPlot> Plots() =>
            Curve is null ? [] : [Strategies.Curve.Plot("curve", "TIES-merging: base + λ · merged task vector", "λ", Curve, Scale)];
    }

    /// <inheritdoc />
    public override string Name => "ties";

    /// <inheritdoc />
    public override string Summary => "Bake a TIES-merging soup: trimmed task vectors, elected signs, disjoint mean, added to the base.";

    /// <inheritdoc />
    public override StrategyNeeds Needs => StrategyNeeds.Base;

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => [Density, SharedParameters.Scale, SharedParameters.Scales];

    /// <inheritdoc />
    public override IReadOnlyList<string> PlotNames => ["curve"];

    /// <inheritdoc />
    public override string Describe(Parameter parameter) => parameter == SharedParameters.Scale
        ? "The scale λ of the merged task vector. Without it, λ is chosen on the held-out split from --scales when --model " +
          "and --heldout are given, and is 1 without them."
        : base.Describe(parameter);

    /// <inheritdoc />
    public override Options Read(ParameterValues values) =>
        new(values.Get(Density), values.Get(SharedParameters.Scale), values.Get(SharedParameters.Scales));

    /// <inheritdoc />
    public override SoupPlan Plan(PlanContext context, Options options)
    {
        double scale = options.Scale ?? 1;
        IReadOnlyList<CurvePoint>? curve = null;
        if (options.Scale is null && context.HasEvaluator)
        {
            var scales = options.Scales ?? SharedParameters.Scales.Default;
            curve = TaskArithmeticSoup.ScaleCurve(context, scales, new TiesMerge(options.Density, 1, withBase: false));
            scale = TaskArithmeticSoup.ChooseScale(context, scales, curve);
        }
        return new SoupPlan(Name, $"TIES soup (λ = {scale.ToString("0.####", CultureInfo.InvariantCulture)})",
            new TiesMerge(options.Density, scale, withBase: true), new Result(options.Density, scale, curve))
        {
            Replay = new Dictionary<string, string> { [SharedParameters.Scale.Name] = SharedParameters.Scale.Format(scale) },
        };
    }

    /// <summary>
    /// The TIES arithmetic for one tensor, in float64. Its work tensors are made once per tensor and reused for every
    /// ingredient (in place), so memory holds about seven copies of the tensor whatever the number of ingredients.
    /// </summary>
    private sealed class TiesMerge(double density, double scale, bool withBase) : ITensorMerge
    {
        public torch.Tensor Merge(TensorInputs inputs, torch.ScalarType dtype, ICollection<string> warnings)
        {
            using var scope = torch.NewDisposeScope();
            var baseTensor = inputs.Base().to(torch.float64, inputs.Device).flatten();
            var n = baseTensor.shape[0];
            var k = Math.Max(1, (long)Math.Round(density * n, MidpointRounding.ToEven));
            var work = new Work(baseTensor);
            var elected = torch.zeros_like(baseTensor);
            for (var i = 0; i < inputs.Count; i++) elected.add_(work.Trim(inputs, i, k));
            elected.sign_();
            var total = torch.zeros_like(baseTensor);
            var count = torch.zeros(n, torch.float32, inputs.Device);
            for (var i = 0; i < inputs.Count; i++)
            {
                using var inner = torch.NewDisposeScope();
                var trimmed = work.Trim(inputs, i, k);
                var agree = trimmed.sign().eq_(elected).logical_and_(trimmed.ne(0)); // agrees with the elected sign, and kept
                trimmed.mul_(agree);
                total.add_(trimmed);
                count.add_(agree);
            }
            // The disjoint mean: entries no ingredient agrees on stay 0 (count clamped to 1 divides 0 by 1).
            var merged = total.div_(count.clamp_min_(1));
            if (scale != 1) merged.mul_(scale);
            if (withBase) merged.add_(baseTensor);
            var shaped = merged.view(inputs.Info.Shape);
            NonFinite.Check(inputs, null, shaped, warnings);
            return shaped.to(dtype).MoveToOuterDisposeScope();
        }

        // τᵢ with all but its k entries of largest magnitude set to zero, in buffers reused across ingredients. The k
        // entries are found by the k-th largest magnitude (a selection, not a sort: topk of 20 % of a 20M-element
        // tensor was most of TIES's time) and remembered per ingredient, so the second pass selects nothing. Entries
        // whose magnitude ties the k-th are kept lowest index first until k are kept (topk leaves that choice open).
        private sealed class Work(torch.Tensor baseTensor)
        {
            private readonly torch.Tensor _tau = torch.empty_like(baseTensor);
            private readonly torch.Tensor _magnitude = torch.empty_like(baseTensor);
            private readonly torch.Tensor _trimmed = torch.empty_like(baseTensor);
            private readonly Dictionary<int, (double Threshold, long TiesToKeep)> _cut = [];

            public torch.Tensor Trim(TensorInputs inputs, int index, long k)
            {
                using var scope = torch.NewDisposeScope();
                using (var ingredient = inputs.Ingredient(index))
                using (var flat = ingredient.view(-1))
                    _tau.copy_(flat);
                _tau.sub_(baseTensor);
                _magnitude.copy_(_tau).abs_();
                var n = _magnitude.shape[0];
                if (!_cut.TryGetValue(index, out var cut))
                {
                    if (_magnitude.isnan().any().item<bool>())
                    {
                        // NaN counts as the largest magnitude for topk, so it reaches the soup and is reported: keep that.
                        var (_, indices) = _magnitude.topk((int)Math.Min(k, int.MaxValue));
                        _trimmed.zero_().index_copy_(0, indices, _tau.index_select(0, indices));
                        return _trimmed;
                    }
                    var (value, _) = _magnitude.kthvalue(n - k + 1, 0); // the k-th largest
                    var threshold = value.item<double>();
                    var above = _magnitude.gt(threshold).sum().item<long>();
                    _cut[index] = cut = (threshold, k - above);
                }
                var keep = _magnitude.gt(cut.Threshold);
                if (cut.TiesToKeep > 0)
                {
                    var ties = _magnitude.eq(cut.Threshold);
                    var tieCount = ties.sum().item<long>();
                    if (tieCount > cut.TiesToKeep) ties.logical_and_(ties.cumsum(0, torch.int64).le(cut.TiesToKeep));
                    keep.logical_or_(ties);
                }
                _trimmed.copy_(_tau).masked_fill_(keep.logical_not_(), 0); // dropped entries exactly 0, even ±∞
                return _trimmed;
            }
        }
    }
}
