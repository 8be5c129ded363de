using Soups.Checkpoints;
using TorchSharp;

namespace Soups.Baking;

/// <summary>
/// The shared default merge: Σᵢ wᵢ·xᵢ / Σᵢ wᵢ, accumulated in float64 in ingredient order and divided once, so that a
/// uniform soup is bit-identical to PyTorch's <c>(Σ x.double()) / N</c> for every N and a weighted one to
/// <c>(Σ w·x.double()) / Σ w</c> (issue #8). Weights are relative (1,1,1 is the mean); they may differ per tensor.
/// Inputs are read one at a time and added slice by slice through one reused float64 buffer, so memory holds one
/// accumulator and one input whatever the number of ingredients (issue #2).
/// </summary>
public sealed class WeightedMean : IManagedTensorMerge
{
    private readonly Func<string, IReadOnlyList<double>> _weightsFor;

    // Weights' scaled form, made once rather than per tensor (a checkpoint may hold a million tiny tensors).
    private readonly (double[] Scaled, double Total) _scaled;

    /// <summary>One weight per ingredient for every tensor.</summary>
    public WeightedMean(IReadOnlyList<double> weights)
    {
        CheckWeights(weights);
        Weights = weights;
        _weightsFor = _ => weights;
        _scaled = Scaled(weights);
    }

    /// <summary>Weights per tensor name (<paramref name="perTensor"/>), <paramref name="weights"/> for the rest.</summary>
    public WeightedMean(IReadOnlyList<double> weights, IReadOnlyDictionary<string, double[]> perTensor)
    {
        CheckWeights(weights);
        foreach (var w in perTensor.Values) CheckWeights(w);
        Weights = weights;
        PerTensor = perTensor;
        _weightsFor = name => perTensor.TryGetValue(name, out var w) ? w : weights;
        _scaled = Scaled(weights);
    }

    /// <summary>The weights of the ingredients (for tensors without weights of their own).</summary>
    public IReadOnlyList<double> Weights { get; }

    /// <summary>Weights per tensor, when they differ by tensor.</summary>
    public IReadOnlyDictionary<string, double[]>? PerTensor { get; }

    /// <summary>Elements added per slice (4 Mi by default); small values let tests run the slicing on small tensors.</summary>
    public long SliceElements
    {
        get => _sliceElements;
        init
        {
            _sliceElements = value;
            _managed = new ManagedAccumulator { ChunkElements = Math.Min(value, 1L << 20) };
        }
    }

    /// <summary>Use the managed CPU accumulation where it applies (tests turn it off to compare it with libtorch's).</summary>
    internal bool ManagedPath { get; init; } = true;

    private readonly long _sliceElements = 1L << 22;
    private readonly ManagedAccumulator _managed = new();

    /// <summary>The equal-weight mean of every ingredient.</summary>
    public static WeightedMean Uniform(int count) => new(Enumerable.Repeat(1.0, count).ToArray());

    /// <inheritdoc />
    public TensorBytes? MergeManaged(TensorInputs inputs, torch.ScalarType dtype, ICollection<string> warnings)
    {
        if (dtype is not (torch.ScalarType.Float32 or torch.ScalarType.Float64) || !ManagedApplies(inputs, out var weights)) return null;
        var (scaled, total) = ReferenceEquals(weights, Weights) ? _scaled : Scaled(weights);
        var output = new NativeTensorBytes(inputs.Info.ElementCount * DTypes.ElementSize(dtype));
        try
        {
            if (!_managed.MeanInto(inputs, scaled, total, output, dtype))
                lock (ManagedAccumulator.Gate) MeanManaged(inputs, weights, warnings); // rare: names the culprits
            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public torch.Tensor Merge(TensorInputs inputs, torch.ScalarType dtype, ICollection<string> warnings)
    {
        if (ManagedApplies(inputs, out var managedWeights))
        {
            lock (ManagedAccumulator.Gate)
            {
                MeanManaged(inputs, managedWeights, warnings);
                return _managed.Result(inputs.Info.Shape, dtype);
            }
        }
        var weights = _weightsFor(inputs.Info.Name);
        using var scope = torch.NewDisposeScope();
        // Scaling every weight by one power of two is exact, so it changes no bit of the result; it only keeps wᵢ·xᵢ
        // from overflowing when the weights are huge.
        var scale = WeightScale(weights);
        var slice = SliceElements;
        var accumulator = torch.zeros(inputs.Info.Shape, torch.float64, inputs.Device);
        using var flat = accumulator.view(-1);
        var elements = flat.shape[0];
        // A whole-tensor add would first make a float64 copy of the input (twice its size), and fresh temporaries per
        // slice fragment the heap: hence one reused buffer.
        using var buffer = torch.empty(Math.Max(1, Math.Min(slice, elements)), torch.float64, inputs.Device);
        double total = 0;
        for (var i = 0; i < inputs.Count; i++)
        {
            if (weights[i] == 0) continue;
            var weight = weights[i] * scale;
            total += weight;
            using var input = inputs.Ingredient(i);
            using var inputFlat = input.view(-1);
            for (long start = 0; start < elements; start += slice)
            {
                var length = Math.Min(slice, elements - start);
                using var target = buffer.narrow(0, 0, length);
                using var source = inputFlat.narrow(0, start, length);
                using var sum = flat.narrow(0, start, length);
                target.copy_(source);
                if (weight != 1) target.mul_(weight); // w·x rounded, then added: what (Σ w·x.double()) computes
                sum.add_(target);
            }
        }
        if (total != 1) accumulator.div_(total);
        NonFinite.Check(inputs, weights, accumulator, warnings);
        return accumulator.to(dtype).MoveToOuterDisposeScope();
    }

    // The CPU path of issue #12: read into reused buffers; add, divide, check and round in managed SIMD loops over
    // chunks shared by the threads. The same operations in the same order as the libtorch path below: the same bits.
    private bool ManagedApplies(TensorInputs inputs, out IReadOnlyList<double> weights)
    {
        weights = _weightsFor(inputs.Info.Name);
        if (!ManagedPath || !inputs.OnCpu || !ManagedAccumulator.Supports(inputs.StoredDType) || !ManagedAccumulator.Fits(inputs.Info.ElementCount))
            return false;
        for (var i = 0; i < inputs.Count; i++)
            if (weights[i] != 0 && !inputs.CanReadRaw(i)) return false;
        return true;
    }

    // Forms the mean in the managed array (callers hold ManagedAccumulator.Gate); a non-finite one is reported.
    private void MeanManaged(TensorInputs inputs, IReadOnlyList<double> weights, ICollection<string> warnings)
    {
        var (scaled, sumOfWeights) = ReferenceEquals(weights, Weights) ? _scaled : Scaled(weights);
        if (_managed.Mean(inputs, scaled, sumOfWeights)) return;
        // Rare: find the culprits with libtorch.
        using var mean = _managed.Result(inputs.Info.Shape, torch.ScalarType.Float64);
        NonFinite.Check(inputs, weights, mean, warnings);
    }

    // The weights times one power of two, and their sum as the libtorch path forms it (non-zero weights in order).
    private static (double[] Scaled, double Total) Scaled(IReadOnlyList<double> weights)
    {
        var scale = WeightScale(weights);
        var scaled = weights.Select(w => w * scale).ToArray();
        return (scaled, scaled.Where(w => w != 0).Aggregate(0.0, (a, w) => a + w));
    }

    /// <summary>Throws unless the weights are finite, non-negative, not all zero, and their sum is finite.</summary>
    public static void CheckWeights(IReadOnlyList<double> weights)
    {
        if (weights.Any(w => !double.IsFinite(w) || w < 0))
            throw new OptionException("weights", "weights must be finite and non-negative");
        var sum = weights.Sum();
        if (double.IsInfinity(sum)) throw new OptionException("weights", "the weights' sum overflows double precision; scale them down");
        if (sum <= 0) throw new OptionException("weights", "weights must not all be zero");
    }

    /// <summary>Weights normalised to sum 1, as reports show them.</summary>
    public static double[] Normalise(IReadOnlyList<double> weights)
    {
        CheckWeights(weights);
        var sum = weights.Sum();
        return weights.Select(w => w / sum).ToArray();
    }

    private static double WeightScale(IReadOnlyList<double> weights)
    {
        var max = weights.Max();
        if (max <= 0 || !double.IsFinite(max)) return 1;
        return Math.ScaleB(1.0, -Math.ILogB(max)); // 2^-floor(log2 max): the largest weight becomes [1, 2)
    }
}
