using Soups.Checkpoints;
using Soups.Baking;
using Soups.Ingredients;
using Soups.Strategies;
using TorchSharp;

namespace Soups.Tests.Strategies.BuiltIn;

public class UniformSoupTests
{
    private static BakeResult Bake(string[] inputs, string output, IReadOnlyList<double>? weights = null,
        torch.ScalarType? dtype = null) => Plans.BakeUniform(inputs, output, weights, dtype);

    [Theory]
    [InlineData(".pt", "soup.safetensors")]
    [InlineData(".safetensors", "soup.pt")]
    [InlineData(".pt", "soup.dat")]
    public void The_uniform_soup_equals_the_mean_pytorch_computed(string inputKind, string outputName)
    {
        using var temp = new TempFolder();
        var result = Bake(Fixture.Ingredients(inputKind), temp.File(outputName));
        Assert.Empty(result.Warnings);
        var expected = Fixture.ReadAll(Fixture.PyTorch("expected_uniform.pt"));
        var soup = Fixture.ReadAll(temp.File(outputName));
        Assert.Equal(expected.Keys.Order(), soup.Keys.Order());
        foreach (var (name, tensor) in expected)
        {
            Assert.Equal(tensor.dtype, soup[name].dtype);
            Assert.True(Fixture.RelativeError(tensor, soup[name]) <= 1e-6, name);
        }
        Assert.Equal(1L, soup["bn.num_batches_tracked"].item<long>());
    }

    [Theory]
    [InlineData("soup.safetensors")]
    [InlineData("soup.pt")]
    [InlineData("soup.dat")]
    public void The_reported_sha256_is_the_written_files(string outputName)
    {
        // Hashed while written (issue #12); the zip writer patches headers, so .pt falls back to reading the file.
        using var temp = new TempFolder();
        var result = Bake(Fixture.Ingredients(), temp.File(outputName));
        Assert.Equal(Soups.FileSystem.FileHash.Sha256(temp.File(outputName)), result.Sha256);
    }

    [Fact]
    public void Weights_give_the_normalised_weighted_mean_pytorch_computed()
    {
        using var temp = new TempFolder();
        Bake(Fixture.Ingredients(), temp.File("w.safetensors"), [1, 2, 3]);
        var expected = Fixture.ReadAll(Fixture.PyTorch("expected_weighted_1_2_3.pt"));
        var soup = Fixture.ReadAll(temp.File("w.safetensors"));
        foreach (var (name, tensor) in expected) Assert.True(Fixture.RelativeError(tensor, soup[name]) <= 1e-6, name);
    }

    [Fact]
    public void Mixed_input_formats_give_the_same_soup()
    {
        using var temp = new TempFolder();
        var inputs = new[]
        {
            Fixture.PyTorch("ingredient_0.pt"), Fixture.PyTorch("ingredient_1.safetensors"), Fixture.PyTorch("ingredient_2.pt"),
        };
        Bake(inputs, temp.File("mixed.safetensors"));
        var expected = Fixture.ReadAll(Fixture.PyTorch("expected_uniform.pt"));
        var soup = Fixture.ReadAll(temp.File("mixed.safetensors"));
        foreach (var (name, tensor) in expected) Assert.True(Fixture.RelativeError(tensor, soup[name]) <= 1e-6, name);
    }

    [Fact]
    public void Dtype_override_stores_float_tensors_in_half_precision_and_leaves_integers_alone()
    {
        using var temp = new TempFolder();
        Bake(Fixture.Ingredients(), temp.File("half.safetensors"), dtype: torch.ScalarType.Float16);
        var soup = Fixture.ReadAll(temp.File("half.safetensors"));
        var expected = Fixture.ReadAll(Fixture.PyTorch("expected_uniform.pt"));
        Assert.Equal(torch.ScalarType.Float16, soup["fc1.weight"].dtype);
        Assert.Equal(torch.ScalarType.Int64, soup["bn.num_batches_tracked"].dtype);
        Assert.True(Fixture.RelativeError(expected["fc1.weight"], soup["fc1.weight"]) < 1e-3);
    }

    [Fact]
    public void Differing_integer_buffers_keep_the_first_ingredients_value_with_a_warning()
    {
        using var temp = new TempFolder();
        var tensors = Fixture.ReadAll(Fixture.PyTorch("ingredient_1.pt"));
        tensors["bn.num_batches_tracked"] = torch.tensor(5L);
        var changed = temp.File("changed.safetensors");
        WriteAll(changed, tensors);
        var result = Bake([Fixture.PyTorch("ingredient_0.pt"), changed], temp.File("soup.safetensors"));
        Assert.Contains(result.Warnings, w => w.Contains("bn.num_batches_tracked"));
        Assert.Equal(1L, Fixture.ReadAll(temp.File("soup.safetensors"))["bn.num_batches_tracked"].item<long>());
    }

    [Theory]
    [InlineData("mismatch_shape.pt", "head.weight", "[12, 64]")]
    [InlineData("mismatch_names.pt", "classifier.weight", "extra")]
    [InlineData("mismatch_dtype.pt", "conv.weight", "float16")]
    public void Incompatible_ingredients_are_refused_before_anything_is_written(string file, string tensor, string found)
    {
        using var temp = new TempFolder();
        var output = temp.File("soup.safetensors");
        var error = Assert.Throws<IncompatibleIngredientsException>(() =>
            Bake([Fixture.PyTorch("ingredient_0.pt"), Fixture.PyTorch(file)], output));
        Assert.Contains(error.Report.Mismatches, m => m.Tensor == tensor && m.ToString().Contains(found));
        Assert.Contains(file, error.Message);
        Assert.Empty(Directory.GetFiles(temp.PathName));
    }

    [Fact]
    public void A_failure_while_writing_leaves_neither_the_output_nor_a_temporary_file()
    {
        using var temp = new TempFolder();
        var good = Fixture.ReadAll(Fixture.PyTorch("ingredient_1.pt"));
        var damaged = temp.File("damaged.safetensors");
        WriteAll(damaged, good);
        // Cut the last tensor's data: the header is valid, so the failure comes mid-way through writing the soup.
        using (var f = new FileStream(damaged, FileMode.Open)) f.SetLength(f.Length - 8);
        var output = temp.File("soup.safetensors");
        Assert.ThrowsAny<SoupException>(() => Bake([Fixture.PyTorch("ingredient_0.pt"), damaged], output));
        Assert.Equal([damaged], Directory.GetFiles(temp.PathName));
    }

    [Fact]
    public void An_existing_output_is_refused_unless_overwrite_is_asked_for()
    {
        using var temp = new TempFolder();
        var output = temp.File("soup.safetensors");
        File.WriteAllText(output, "keep me");
        var error = Assert.Throws<OutputException>(() => Bake(Fixture.Ingredients(), output));
        Assert.Equal(OutputProblem.Exists, error.Problem);
        Assert.Equal("keep me", File.ReadAllText(output));
    }

    [Fact]
    public void Baking_releases_every_tensor_it_creates()
    {
        using var temp = new TempFolder();
        Bake(Fixture.Ingredients(), temp.File("warmup.safetensors"));
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Bake(Fixture.Ingredients(), temp.File("soup.safetensors"));
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Inputs_are_never_modified()
    {
        using var temp = new TempFolder();
        var inputs = Fixture.Ingredients();
        var before = inputs.Select(p => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(p)))).ToList();
        Bake(inputs, temp.File("soup.pt"));
        var after = inputs.Select(p => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(p)))).ToList();
        Assert.Equal(before, after);
    }

    private static void WriteAll(string path, Dictionary<string, torch.Tensor> tensors)
    {
        var layout = tensors.Select(kv => new TensorInfo(kv.Key, kv.Value.dtype, kv.Value.shape)).ToList();
        using var stream = File.Create(path);
        KnownCheckpointFormats.Safetensors.Writer!.Write(stream, layout, i => tensors[i.Name].clone(), new Dictionary<string, string>());
    }
}
