using System.Globalization;
using Soups.Baking;
using Soups.Evaluation;
using Soups.Ingredients;
using TorchSharp;

namespace Soups.Strategies.BuiltIn;

/// <summary>One mixing vector per model, or one per state-dict tensor (the paper's "by layer").</summary>
public enum LearnedGranularity
{
    /// <summary>One α over the N ingredients.</summary>
    Model,

    /// <summary>One α per tensor of the state dict.</summary>
    Layer,
}

/// <summary>
/// Learned soup (Wortsman et al. 2022, appendix): θ = Σᵢ αᵢ θᵢ with α = softmax(a), and a temperature β on the logits,
/// trained by AdamW on the held-out split with cross-entropy. Because θ is linear in α,
/// ∂L/∂αᵢ = Σ ⟨∂L/∂θ, θᵢ⟩ (per tensor for by-layer): one ordinary forward/backward at the current soup gives
/// ∂L/∂θ, and the ingredients are needed only to mix θ and for the dot products, so they can stay on disk
/// (issue #4) instead of N models in memory as in the paper's code. Defaults are the paper's code's
/// (<c>learned_bylayer.py</c>: AdamW, lr 0.05, no weight decay, 5 epochs, batch size 256).
/// </summary>
public sealed partial class LearnedSoup : SoupStrategy<LearnedSoup.Options>
{
    /// <summary>By model or by layer.</summary>
    public static readonly Parameter<LearnedGranularity> Granularity = Parameter.Choice("granularity", LearnedGranularity.Model,
        "model: one coefficient per ingredient; layer: one per ingredient per state-dict tensor (the paper's by-layer soup).",
        ("model", LearnedGranularity.Model), ("layer", LearnedGranularity.Layer));

    /// <summary>Passes over the held-out split.</summary>
    public static readonly Parameter<int> Epochs = Parameter.Integer("epochs", 5, "Passes over the held-out split.", 0, 1_000_000);

    /// <summary>AdamW's learning rate.</summary>
    public static readonly Parameter<double> LearningRate = Parameter.Number("lr", 0.05, "AdamW learning rate.", 0);

    /// <summary>AdamW's weight decay.</summary>
    public static readonly Parameter<double> WeightDecay = Parameter.Number("weight-decay", 0, "AdamW weight decay.", 0);

    /// <summary>Examples per training batch.</summary>
    public static readonly Parameter<int> BatchSize = Parameter.Integer("learned-batch-size", 256,
        "Examples per training batch (256, as the paper's learned_bylayer.py).", 1, 1 << 20);

    /// <summary>Seed of the batch order.</summary>
    public static readonly Parameter<int> Seed = Parameter.Integer("seed", 0, "Seed of the batch shuffling.", 0, int.MaxValue);

    /// <summary>Batches per coefficient step.</summary>
    public static readonly Parameter<int> Accumulate = Parameter.Integer("accumulate", 1,
        "Batches whose gradients are summed per coefficient step: fewer passes over the ingredients for large N.", 1, 1 << 20);

    /// <summary>Where the ingredients are kept while learning.</summary>
    public static readonly Parameter<IngredientStorage> Storage = Parameter.Choice("ingredients", IngredientStorage.Auto,
        "Where ingredients live while learning: device (fastest), host (RAM), disk (memory flat in N: about 3 models), " +
        "or auto (host when all fit in a quarter of RAM, else disk).",
        ("auto", IngredientStorage.Auto), ("device", IngredientStorage.Device), ("host", IngredientStorage.Host), ("disk", IngredientStorage.Disk));

    /// <summary>Training settings of a learned soup.</summary>
    public sealed record Options(
        LearnedGranularity Granularity = LearnedGranularity.Model,
        int Epochs = 5,
        double LearningRate = 0.05,
        double WeightDecay = 0,
        int BatchSize = 256,
        int Seed = 0,
        int AccumulateBatches = 1,
        IngredientStorage Storage = IngredientStorage.Auto);

    /// <summary>What a learned soup learned.</summary>
    public sealed record Result(string Granularity, string Storage, int Epochs, int Steps, double LearningRate,
        double WeightDecay, int BatchSize, int AccumulateBatches, int Seed, double Temperature,
        IReadOnlyList<double> EpochLoss, IReadOnlyList<double> ModelWeights, IReadOnlyDictionary<string, double[]>? TensorWeights)
        : StrategyResult
    {
        /// <inheritdoc />
        public override string Summary() => string.Create(CultureInfo.InvariantCulture,
            $"learned soup ({Granularity}, {Epochs} epochs, {Steps} steps, ingredients on {Storage}), temperature {Temperature:0.000}")
            + (TensorWeights != null ? "; weights shown are the mean over tensors, per-tensor weights are in the report" : "");

        /// <inheritdoc />
        public override IReadOnlyList<ResultTable> Tables() =>
        [
            new("loss per epoch", ["epoch", "held-out loss"],
                EpochLoss.Select((l, i) => (IReadOnlyList<string>)new[] { (i + 1).ToString(CultureInfo.InvariantCulture), l.ToString("0.0000", CultureInfo.InvariantCulture) }).ToList()),
        ];
    }

    /// <inheritdoc />
    public override string Name => "learned";

    /// <inheritdoc />
    public override string Summary =>
        "Bake a learned soup: mixing coefficients (softmax) and a logit temperature trained with AdamW on the held-out split.";

    /// <inheritdoc />
    public override StrategyNeeds Needs => StrategyNeeds.HeldOut;

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => [Granularity, Epochs, LearningRate, WeightDecay, BatchSize, Seed, Accumulate, Storage];

    /// <summary>Two rows in a comparison: the soup learned by model and by layer.</summary>
    public override IReadOnlyList<StrategyVariant> Variants =>
    [
        new("learned", values => values.With(Granularity, LearnedGranularity.Model)) { Fixes = [Granularity] },
        new("learned-layer", values => values.With(Granularity, LearnedGranularity.Layer)) { Fixes = [Granularity] },
    ];

    /// <inheritdoc />
    public override Options Read(ParameterValues values) => new(values.Get(Granularity), values.Get(Epochs), values.Get(LearningRate),
        values.Get(WeightDecay), values.Get(BatchSize), values.Get(Seed), values.Get(Accumulate), values.Get(Storage));

    /// <inheritdoc />
    public override SoupPlan Plan(PlanContext context, Options options)
    {
        var layer = options.Granularity == LearnedGranularity.Layer;
        // Each epoch line names its soup: a comparison learns both, one after the other.
        var name = layer ? "learned soup (by layer)" : "learned soup (by model)";
        var trainer = new Trainer(context.Evaluator.Model, context.HeldOut, options)
        {
            OnNote = line => context.Step($"{name}, {line}", NoteTone.Plain), Progress = context.Progress,
        };
        var result = trainer.Train(context.Ingredients, context.Cancellation);
        var merge = result.TensorWeights is { } perTensor
            ? new WeightedMean(result.ModelWeights, perTensor)
            : new WeightedMean(result.ModelWeights);
        return new SoupPlan(layer ? "learned-layer" : "learned", layer ? "learned soup (by layer)" : "learned soup", merge, result);
    }
}
