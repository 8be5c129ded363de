using System.Diagnostics;
using System.Globalization;
using Soups.Baking;
using Soups.Checkpoints;
using Soups.FileSystem;
using Soups.Models;
using TorchSharp;

namespace Soups.Strategies.BuiltIn;

/// <summary>
/// Fisher-weighted averaging (Matena &amp; Raffel, NeurIPS 2022), as issue #11 defines it. Per ingredient, the
/// diagonal empirical Fisher Fᵢ: the mean over the held-out examples (or the first <c>--fisher-examples</c>) of the
/// squared per-example gradient of log p(y|x) at the true label, with the model in evaluation mode. Per element,
/// θ = Σᵢ (Fᵢ+ε)·θᵢ / Σᵢ (Fᵢ+ε). Tensors that are not trainable parameters (BatchNorm statistics, tensors the model
/// carries but never uses) are plainly averaged. Each Fᵢ goes to a file in a scratch folder, so memory holds one
/// model and its Fisher whatever N is; the merge then reads them tensor by tensor. Gradients are taken one example
/// at a time (exact, not the batch-gradient shortcut).
/// </summary>
public sealed class FisherSoup : SoupStrategy<FisherSoup.Options>
{
    /// <summary>How many held-out examples (from the first) the Fisher is estimated on.</summary>
    public static readonly Parameter<int> Examples = Parameter.Integer("fisher-examples", 0,
        "Estimate each Fisher on the first N held-out examples (0, the default: all of them).", 0, int.MaxValue);

    /// <summary>ε, added to every Fisher entry.</summary>
    public static readonly Parameter<double> Epsilon = new("epsilon", 1e-8,
        "Added to every Fisher entry: θ = Σ(F+ε)·θ / Σ(F+ε). Where every F is 0 the soup is the plain mean.")
    {
        Check = v => double.IsFinite(v) && v > 0 ? null : $"must be a finite number > 0, got {v.ToString(CultureInfo.InvariantCulture)}",
    };

    /// <summary>The settings of a Fisher soup.</summary>
    public sealed record Options(int Examples = 0, double Epsilon = 1e-8);

    /// <summary>One ingredient's Fisher: its mean over all entries and the time it took.</summary>
    public sealed record IngredientFisher(string Path, double MeanFisher, double MaxFisher, double Seconds);

    /// <summary>What Fisher merging measured.</summary>
    public sealed record Result(int Examples, double Epsilon, IReadOnlyList<IngredientFisher> Fishers, IReadOnlyList<string> PlainMeanTensors)
        : StrategyResult
    {
        /// <inheritdoc />
        public override string Summary() => string.Create(CultureInfo.InvariantCulture,
            $"Fisher-weighted soup: diagonal Fisher of {Fishers.Count} ingredients on {Examples} held-out examples, ε = {Epsilon:G3}") +
            (PlainMeanTensors.Count > 0 ? $"; {PlainMeanTensors.Count} tensor(s) without gradients plainly averaged" : "");

        /// <inheritdoc />
        public override IReadOnlyList<ResultTable> Tables() =>
        [
            new("Fisher per ingredient", ["ingredient", "mean F", "max F", "seconds"], Fishers.Select(f => (IReadOnlyList<string>)
            [
                f.Path, f.MeanFisher.ToString("G4", CultureInfo.InvariantCulture), f.MaxFisher.ToString("G4", CultureInfo.InvariantCulture),
                f.Seconds.ToString("0.0", CultureInfo.InvariantCulture),
            ]).ToList()),
        ];
    }

    /// <inheritdoc />
    public override string Name => "fisher";

    /// <inheritdoc />
    public override string Summary =>
        "Bake a Fisher-weighted soup: each element weighted by each ingredient's diagonal Fisher information on the held-out split.";

    /// <inheritdoc />
    public override StrategyNeeds Needs => StrategyNeeds.HeldOut;

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => [Examples, Epsilon];

    /// <summary>A row of <c>soup compare</c> only when named (<c>--strategies ...,fisher</c>): a backward pass per example and ingredient.</summary>
    public override IReadOnlyList<StrategyVariant> Variants => [new(Name, values => values) { OnlyWhenNamed = true }];

    /// <inheritdoc />
    public override Options Read(ParameterValues values) => new(values.Get(Examples), values.Get(Epsilon));

    /// <inheritdoc />
    public override SoupPlan Plan(PlanContext context, Options options)
    {
        var model = context.Evaluator.Model;
        var split = context.HeldOut;
        var count = options.Examples == 0 ? split.Count : Math.Min(options.Examples, split.Count);
        var parameters = model.Parameters;
        var layout = context.Ingredients.Layout;
        var weighted = layout.Where(t => t.IsFloatingPoint && parameters.Contains(t.Name)).ToList();
        var plain = layout.Where(t => t.IsFloatingPoint && !parameters.Contains(t.Name)).Select(t => t.Name).ToList();

        var scratch = ScratchFolder.Create();
        var fisherFiles = new List<string>();
        var fishers = new List<IngredientFisher>();
        try
        {
            foreach (var reader in context.Ingredients.Readers)
            {
                var clock = Stopwatch.StartNew();
                WeightLoading.Load(model, reader);
                var (mean, max, file) = Estimate(model, split, count, weighted, scratch, $"fisher-{fisherFiles.Count}.safetensors", context,
                    fisherFiles.Count, context.Ingredients.Count);
                fisherFiles.Add(file);
                fishers.Add(new IngredientFisher(reader.Path, mean, max, Math.Round(clock.Elapsed.TotalSeconds, 2)));
                context.Note(string.Create(CultureInfo.InvariantCulture,
                    $"Fisher of {reader.Path} on {count} examples: mean {mean:G4}, max {max:G4} ({clock.Elapsed.TotalSeconds:0.0} s)"));
            }
            var merge = new FisherMerge(scratch, fisherFiles, options.Epsilon);
            return new SoupPlan(Name, "Fisher soup", merge, new Result(count, options.Epsilon, fishers, plain));
        }
        catch
        {
            scratch.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The diagonal empirical Fisher of the weights loaded in <paramref name="model"/> on the first
    /// <paramref name="count"/> examples, written to the file <paramref name="name"/> of <paramref name="scratch"/>
    /// (float32 safetensors) for the tensors in <paramref name="weighted"/>. Returns its mean, its largest entry and the file.
    /// </summary>
    public static (double Mean, double Max, string File) Estimate(IModel model, Evaluation.IHeldOutSplit split, int count,
        IReadOnlyList<TensorInfo> weighted, ScratchFolder scratch, string name, PlanContext context, int ingredient = 0, int ingredients = 1)
    {
        var sums = weighted.ToDictionary(t => t.Name, t => torch.zeros(t.Shape, torch.float64, model.Device), StringComparer.Ordinal);
        try
        {
            const int chunk = 64;
            for (var start = 0; start < count; start += chunk)
            {
                var indices = Enumerable.Range(start, Math.Min(chunk, count - start)).ToArray();
                var (inputs, labels) = split.Batch(indices);
                using (inputs)
                using (labels)
                using (var onDevice = inputs.to(model.Device))
                {
                    for (var j = 0; j < indices.Length; j++)
                    {
                        context.Cancellation.ThrowIfCancellationRequested();
                        using var scope = torch.NewDisposeScope();
                        model.ZeroGradients();
                        var example = onDevice.narrow(0, j, 1);
                        var logits = model.ForwardWithGradients(example);
                        var label = labels[j].item<long>();
                        var logProbability = torch.nn.functional.log_softmax(logits.to(torch.float32), 1)[0, label];
                        logProbability.backward();
                        foreach (var info in weighted)
                        {
                            using var gradient = model.Gradient(info.Name);
                            if (gradient is null) continue;
                            using var square = gradient.to(torch.float64);
                            square.mul_(square);
                            sums[info.Name].add_(square);
                        }
                    }
                }
                context.Report("Fisher information", (long)ingredient * count + start + indices.Length, (long)ingredients * count,
                    $"Fisher information: ingredient {ingredient + 1}/{ingredients}, example {start + indices.Length}/{count}");
            }
            model.ZeroGradients();
            double total = 0, max = 0;
            long elements = 0;
            foreach (var sum in sums.Values)
            {
                sum.div_(count);
                total += sum.sum().item<double>();
                if (sum.numel() > 0) max = Math.Max(max, sum.max().item<double>());
                elements += sum.numel();
            }
            var stored = weighted.Select(t => t with { DType = torch.ScalarType.Float32 }).ToList();
            var file = scratch.Write(name, stored.Sum(t => t.ByteCount), stream =>
                KnownCheckpointFormats.Safetensors.Writer!.Write(stream, stored, info => sums[info.Name].to(torch.float32, torch.CPU),
                    new Dictionary<string, string>()));
            return (elements == 0 ? 0 : total / elements, max, file);
        }
        finally
        {
            foreach (var sum in sums.Values) sum.Dispose();
        }
    }

    /// <summary>θ = Σ(Fᵢ+ε)·θᵢ / Σ(Fᵢ+ε) per element for tensors with a Fisher; the exact mean for the others.</summary>
    private sealed class FisherMerge : ITensorMerge, IDisposable
    {
        private readonly ScratchFolder _scratch;
        private readonly List<ICheckpointReader> _fishers;
        private readonly HashSet<string> _withFisher;
        private readonly double _epsilon;

        public FisherMerge(ScratchFolder scratch, IReadOnlyList<string> files, double epsilon)
        {
            _scratch = scratch;
            _epsilon = epsilon;
            _fishers = files.Select(f => KnownCheckpointFormats.Safetensors.Open(f, ReadOptions.Default)).ToList();
            _withFisher = _fishers[0].Tensors.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        }

        public torch.Tensor Merge(TensorInputs inputs, torch.ScalarType dtype, ICollection<string> warnings)
        {
            var name = inputs.Info.Name;
            if (!_withFisher.Contains(name))
                return WeightedMean.Uniform(inputs.Count).Merge(inputs, dtype, warnings);
            using var scope = torch.NewDisposeScope();
            var numerator = torch.zeros(inputs.Info.Shape, torch.float64, inputs.Device);
            var denominator = torch.zeros(inputs.Info.Shape, torch.float64, inputs.Device);
            for (var i = 0; i < inputs.Count; i++)
            {
                using var fisher = _fishers[i].Read(name).to(torch.float64, inputs.Device).add_(_epsilon);
                using var weights = inputs.Ingredient(i).to(torch.float64, inputs.Device);
                denominator.add_(fisher);
                numerator.addcmul_(fisher, weights, 1);
            }
            numerator.div_(denominator);
            NonFinite.Check(inputs, Enumerable.Repeat(1.0, inputs.Count).ToArray(), numerator, warnings);
            return numerator.to(dtype).MoveToOuterDisposeScope();
        }

        public void Dispose()
        {
            foreach (var reader in _fishers) reader.Dispose();
            _scratch.Dispose();
        }
    }
}
