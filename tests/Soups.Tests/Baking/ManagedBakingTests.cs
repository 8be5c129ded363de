using System.Runtime.InteropServices;
using Soups.Baking;
using Soups.Checkpoints;
using Soups.Ingredients;
using TorchSharp;

namespace Soups.Tests.Baking;

/// <summary>
/// Issue #12: on the CPU a uniform soup's tensors are made as bytes in managed code (no libtorch), summed a
/// cache-sized slice at a time and rounded straight into the output. They must be the bits libtorch's path gives, and
/// every block of native memory must be given back. Not run beside other tests: the native-memory count is process-wide.
/// </summary>
[Collection(NativeMemoryCollection.Name)]
public class ManagedBakingTests
{
    [Theory]
    [InlineData("", torch.ScalarType.Float32, 1L << 20)]
    [InlineData("", torch.ScalarType.Float32, 7)]
    [InlineData("", torch.ScalarType.Float64, 5)]
    [InlineData("_f16", torch.ScalarType.Float32, 9)]
    [InlineData("_bf16", torch.ScalarType.Float32, 64)]
    [InlineData("_bf16", torch.ScalarType.Float64, 1L << 20)]
    public void Managed_bytes_equal_libtorchs_tensor_bit_for_bit(string tag, torch.ScalarType output, long slice)
    {
        var inputs = Enumerable.Range(0, 3).Select(i => Fixture.RealWorld($"mean_ingredient_{i}{tag}.safetensors")).ToArray();
        using var set = IngredientSet.Open(inputs, ReadOptions.Default);
        double[] weights = [5, 1e-3, 0.7];
        var managed = new WeightedMean(weights) { SliceElements = slice };
        var libtorch = new WeightedMean(weights) { ManagedPath = false };
        var outstanding = NativeTensorBytes.Outstanding;
        foreach (var info in set.Layout.Where(t => t.IsFloatingPoint))
        {
            LeakCheck.NoLeaks(() =>
            {
                using var bytes = managed.MergeManaged(new TensorInputs(set, info, torch.CPU), output, []);
                Assert.NotNull(bytes);
                using var expected = libtorch.Merge(new TensorInputs(set, info, torch.CPU), output, []);
                Assert.Equal(Bytes(expected), Bytes(bytes!));
            });
        }
        Assert.Equal(outstanding, NativeTensorBytes.Outstanding);
    }

    [Fact]
    public void Half_outputs_and_the_gpu_are_left_to_libtorch()
    {
        var inputs = Enumerable.Range(0, 2).Select(i => Fixture.RealWorld($"mean_ingredient_{i}.safetensors")).ToArray();
        using var set = IngredientSet.Open(inputs, ReadOptions.Default);
        var info = set.Layout.First(t => t.IsFloatingPoint);
        var merge = WeightedMean.Uniform(2);
        Assert.Null(merge.MergeManaged(new TensorInputs(set, info, torch.CPU), torch.ScalarType.Float16, []));
        var gpu = new ComputeTarget(isCpu: false, () => throw new InvalidOperationException("not resolved here"));
        Assert.Null(merge.MergeManaged(new TensorInputs(set, info, gpu), torch.ScalarType.Float32, []));
    }

    [Theory]
    [InlineData(500, double.NaN)]
    [InlineData(1000, double.PositiveInfinity)]
    public void A_non_finite_managed_soup_is_reported_with_its_file_and_keeps_the_value(int index, double value)
    {
        using var temp = new TempFolder();
        var good = temp.File("good.safetensors");
        var bad = temp.File("bad.safetensors");
        using (var a = torch.arange(1001, dtype: torch.float32))
        using (var b = torch.arange(1001, dtype: torch.float32))
        {
            b[index] = torch.tensor(value, torch.float32);
            Fixture.WriteSafetensors(good, new Dictionary<string, torch.Tensor> { ["w"] = a });
            Fixture.WriteSafetensors(bad, new Dictionary<string, torch.Tensor> { ["w"] = b });
        }
        using var set = IngredientSet.Open([good, bad], ReadOptions.Default);
        var info = set.Layout[0];
        var warnings = new List<string>();
        using (var bytes = new WeightedMean([1, 1]) { SliceElements = 64 }.MergeManaged(new TensorInputs(set, info, torch.CPU), info.DType, warnings))
        {
            var values = MemoryMarshal.Cast<byte, float>(Bytes(bytes!));
            Assert.Equal((float)value, values[index]);
            Assert.Equal(3f, values[3]);
        }
        var warning = Assert.Single(warnings);
        Assert.Contains(bad, warning);
        Assert.DoesNotContain(good, warning);
    }

    [Fact]
    public void Integer_tensors_are_picked_from_the_bytes_with_a_warning_when_they_differ()
    {
        using var temp = new TempFolder();
        var paths = new[] { temp.File("a.safetensors"), temp.File("b.safetensors"), temp.File("c.safetensors") };
        long[][] counts = [[7, 8, 9], [7, 8, 9], [7, 8, 10]];
        for (var i = 0; i < 3; i++)
        {
            using var steps = torch.tensor(counts[i]);
            using var w = torch.ones(2);
            Fixture.WriteSafetensors(paths[i], new Dictionary<string, torch.Tensor> { ["steps"] = steps, ["w"] = w });
        }
        var info = new TensorInfo("steps", torch.ScalarType.Int64, [3]);
        using (var same = IngredientSet.Open(paths[..2], ReadOptions.Default))
        {
            var warnings = new List<string>();
            using var picked = IntegerTensors.PickManaged(same, info, warnings);
            Assert.Equal(counts[0], MemoryMarshal.Cast<byte, long>(Bytes(picked!)).ToArray());
            Assert.Empty(warnings);
        }
        using (var differ = IngredientSet.Open(paths, ReadOptions.Default))
        {
            var warnings = new List<string>();
            using var picked = IntegerTensors.PickManaged(differ, info, warnings);
            Assert.Equal(counts[0], MemoryMarshal.Cast<byte, long>(Bytes(picked!)).ToArray());
            Assert.Contains(paths[0], Assert.Single(warnings));
        }
    }

    [Fact]
    public void Released_blocks_are_reused_and_counted()
    {
        NativeTensorBytes.Trim();
        var outstanding = NativeTensorBytes.Outstanding;
        var first = new NativeTensorBytes(1000);
        first.Span(0, 1000).Fill(1);
        Assert.Equal(outstanding + 1, NativeTensorBytes.Outstanding);
        first.Dispose();
        first.Dispose(); // twice is harmless
        Assert.Equal(outstanding, NativeTensorBytes.Outstanding);
        using var second = new NativeTensorBytes(600); // fits the released block
        Assert.Equal(600, second.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => second.Span(500, 101));
        Assert.Throws<ObjectDisposedException>(() => first.Span(0, 1));
    }

    private static byte[] Bytes(TensorBytes bytes)
    {
        var all = new List<byte>();
        bytes.ForEachSpan(span => all.AddRange(span.ToArray()));
        Assert.Equal(bytes.Length, all.Count);
        return [.. all];
    }

    private static byte[] Bytes(torch.Tensor tensor)
    {
        using var contiguous = tensor.contiguous();
        return contiguous.bytes.ToArray();
    }
}

/// <summary>Tests that count process-wide native memory run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeMemoryCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "native memory";
}
