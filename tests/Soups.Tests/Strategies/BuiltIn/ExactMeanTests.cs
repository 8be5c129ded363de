using Soups.Checkpoints;
using Soups.Baking;
using Soups.Ingredients;
using Soups.Strategies;
using Soups.Strategies.BuiltIn;
using TorchSharp;

namespace Soups.Tests.Strategies.BuiltIn;

/// <summary>
/// Issue #8, class 3: a soup is bit-identical to PyTorch's <c>(Σ w·x.double()) / Σ w</c> cast to the stored dtype, for
/// every N and weights (fixtures written by PyTorch 1.13, Fixtures/realworld/make_realworld_fixtures.py).
/// </summary>
public class ExactMeanTests
{
    [Theory]
    [InlineData(3, null, "expected_mean_3.safetensors")]
    [InlineData(5, null, "expected_mean_5.safetensors")]
    [InlineData(7, null, "expected_mean_7.safetensors")]
    [InlineData(3, "1,2,3", "expected_weighted_1_2_3.safetensors")]
    [InlineData(3, "0.1,0.2,0.7", "expected_weighted_0.1_0.2_0.7.safetensors")]
    [InlineData(5, "5,0,1e-3,7,2", "expected_weighted_5_0_1e-3_7_2.safetensors")]
    public void The_soup_is_bit_identical_to_the_float64_mean_pytorch_computed(int n, string? weights, string expected)
    {
        var inputs = Enumerable.Range(0, n).Select(i => Fixture.RealWorld($"mean_ingredient_{i}.safetensors")).ToArray();
        AssertBakesTo(inputs, weights?.Split(',').Select(w => double.Parse(w, System.Globalization.CultureInfo.InvariantCulture)).ToArray(), expected);
    }

    [Theory]
    [InlineData("f16")]
    [InlineData("bf16")]
    public void Half_precision_ingredients_give_the_mean_cast_as_pytorch_casts_it(string tag) =>
        AssertBakesTo(Enumerable.Range(0, 3).Select(i => Fixture.RealWorld($"mean_ingredient_{i}_{tag}.safetensors")).ToArray(),
            null, $"expected_mean_3_{tag}.safetensors");

    [Fact]
    public void Greedy_weights_bake_the_exact_mean_of_the_chosen_ingredients()
    {
        // Greedy soup's recipe weighs chosen ingredients 1 and the rest 0: the same as the mean of the first three.
        var inputs = Enumerable.Range(0, 5).Select(i => Fixture.RealWorld($"mean_ingredient_{i}.safetensors")).ToArray();
        AssertBakesTo(inputs, [1, 1, 1, 0, 0], "expected_mean_3.safetensors");
    }

    [Theory]
    [InlineData(1e308, 1e308)]
    [InlineData(double.MaxValue, double.MaxValue)]
    public void Weights_whose_sum_overflows_are_an_error_not_a_soup_of_zeros(double a, double b)
    {
        var error = Assert.Throws<OptionException>(() => new WeightedMean([a, b, 1]));
        Assert.Equal("weights", error.Setting);
        Assert.Contains("overflows", error.Message);
        Assert.Throws<OptionException>(() => UniformSoup.Weights.Parse!($"{a:R},{b:R},1"));
    }

    [Fact]
    public void Huge_weights_whose_sum_is_finite_still_give_the_exact_mean()
    {
        // 1e300·x overflows for |x| > 1.8e8 in float64 only if computed naively; a power-of-two rescale keeps every bit.
        var inputs = Enumerable.Range(0, 3).Select(i => Fixture.RealWorld($"mean_ingredient_{i}.safetensors")).ToArray();
        AssertBakesTo(inputs, [1e300, 2e300, 3e300], "expected_weighted_1_2_3.safetensors", exactly: false);
    }

    private static void AssertBakesTo(string[] inputs, double[]? weights, string expectedFile, bool exactly = true)
    {
        using var temp = new TempFolder();
        var output = temp.File("soup.safetensors");
        LeakCheck.NoLeaks(() =>
        {
            Plans.BakeUniform(inputs, output, weights);
        });
        var expected = Fixture.ReadAll(Fixture.RealWorld(expectedFile));
        var soup = Fixture.ReadAll(output);
        try
        {
            foreach (var (name, tensor) in expected)
            {
                if (exactly) Assert.True(Fixture.Equal(tensor, soup[name]), $"{name} differs from PyTorch's");
                else Assert.True(Fixture.RelativeError(tensor, soup[name]) <= 1e-7, name);
            }
        }
        finally
        {
            Fixture.DisposeAll(expected);
            Fixture.DisposeAll(soup);
        }
    }

    [Fact]
    public void Slicing_the_sum_into_small_pieces_changes_no_bit()
    {
        // The mean is accumulated slice by slice through one buffer; 7-element slices run that path on every tensor.
        var inputs = Enumerable.Range(0, 5).Select(i => Fixture.RealWorld($"mean_ingredient_{i}.safetensors")).ToArray();
        using var set = IngredientSet.Open(inputs, ReadOptions.Default);
        var expected = Fixture.ReadAll(Fixture.RealWorld("expected_weighted_5_0_1e-3_7_2.safetensors"));
        var merge = new WeightedMean([5, 0, 1e-3, 7, 2]) { SliceElements = 7 };
        foreach (var info in set.Layout.Where(t => t.IsFloatingPoint))
        {
            using var merged = merge.Merge(new TensorInputs(set, info, torch.CPU), info.DType, []);
            Assert.True(Fixture.Equal(expected[info.Name], merged), info.Name);
        }
        Fixture.DisposeAll(expected);
    }

    [Theory]
    [InlineData("")]
    [InlineData("_f16")]
    [InlineData("_bf16")]
    public void The_managed_cpu_sum_equals_libtorchs_bit_for_bit(string tag)
    {
        // Issue #12: on the CPU the sum is formed in managed code from raw bytes (SIMD, in chunks shared by threads);
        // elsewhere libtorch forms it. Both must give the same bits for every stored dtype, weights and chunking.
        var inputs = Enumerable.Range(0, 3).Select(i => Fixture.RealWorld($"mean_ingredient_{i}{tag}.safetensors")).ToArray();
        using var set = IngredientSet.Open(inputs, ReadOptions.Default);
        double[] weights = [5, 1e-3, 0.7];
        var managed = new WeightedMean(weights) { SliceElements = 5 };
        var libtorch = new WeightedMean(weights) { ManagedPath = false };
        foreach (var info in set.Layout.Where(t => t.IsFloatingPoint))
        {
            LeakCheck.NoLeaks(() =>
            {
                using var a = managed.Merge(new TensorInputs(set, info, torch.CPU), info.DType, []);
                using var b = libtorch.Merge(new TensorInputs(set, info, torch.CPU), info.DType, []);
                Assert.True(Fixture.Equal(b, a), $"{info.Name} ({info.DType})");
            });
        }
    }

    [Theory]
    [InlineData(500, double.NaN)]
    [InlineData(17, double.PositiveInfinity)]
    [InlineData(1000, double.NegativeInfinity)]
    public void A_non_finite_element_anywhere_is_reported_with_its_file(int index, double value)
    {
        // The managed path checks finiteness in its SIMD loop and its scalar tail (1001 elements, chunks of 64).
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
        using var merged = new WeightedMean([1, 1]) { SliceElements = 64 }.Merge(new TensorInputs(set, info, torch.CPU), info.DType, warnings);
        var warning = Assert.Single(warnings);
        Assert.Contains(bad, warning);
        Assert.DoesNotContain(good, warning);
    }

    [Theory]
    [InlineData("", 1)]
    [InlineData("", 4)]
    [InlineData("_f16", 2)]
    [InlineData("_bf16", 7)]
    public void Greedys_running_mean_in_managed_code_equals_libtorchs_bit_for_bit(string tag, int soupSize)
    {
        // Issue #12: greedy's candidate s·n/(n+1) + x/(n+1) is formed in one managed pass on the CPU.
        var inputs = Enumerable.Range(0, 2).Select(i => Fixture.RealWorld($"mean_ingredient_{i}{tag}.safetensors")).ToArray();
        using var set = IngredientSet.Open(inputs, ReadOptions.Default);
        LeakCheck.NoLeaks(() =>
        {
            using var soup = SoupState.From(set.Readers[0], torch.CPU);
            using var managed = soup.With(set.Readers[1], soupSize, managed: true);
            using var libtorch = soup.With(set.Readers[1], soupSize, managed: false);
            foreach (var (name, expected) in libtorch.Tensors) Assert.True(Fixture.Equal(expected, managed.Tensors[name]), name);
        });
    }
}
