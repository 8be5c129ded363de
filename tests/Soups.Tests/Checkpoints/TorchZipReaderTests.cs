using Soups.Checkpoints;
using TorchSharp;

namespace Soups.Tests.Checkpoints;

public class TorchZipReaderTests
{
    private static readonly string[] TinyNetNames =
    [
        "conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var",
        "bn.num_batches_tracked", "fc1.weight", "fc1.bias", "head.weight", "head.bias",
    ];

    [Fact]
    public void Reads_a_flat_state_dict_saved_by_pytorch_with_names_shapes_and_dtypes_in_order()
    {
        using var reader = KnownCheckpointFormats.Open(Fixture.PyTorch("ingredient_0.pt"));
        Assert.Equal("pt", reader.Format);
        Assert.Equal(TinyNetNames, reader.Tensors.Select(t => t.Name));
        var fc1 = reader.Tensors.Single(t => t.Name == "fc1.weight");
        Assert.Equal([64L, 16L], fc1.Shape);
        Assert.Equal(torch.ScalarType.Float32, fc1.DType);
        var tracked = reader.Tensors.Single(t => t.Name == "bn.num_batches_tracked");
        Assert.Equal(torch.ScalarType.Int64, tracked.DType);
        Assert.Empty(tracked.Shape);
        using var value = reader.Read("bn.num_batches_tracked");
        Assert.Equal(1L, value.item<long>());
    }

    [Fact]
    public void Values_match_the_same_tensors_written_by_an_independent_safetensors_writer()
    {
        var fromPt = Fixture.ReadAll(Fixture.PyTorch("ingredient_1.pt"));
        var fromSafetensors = Fixture.ReadAll(Fixture.PyTorch("ingredient_1.safetensors"));
        Assert.Equal(fromPt.Keys.Order(), fromSafetensors.Keys.Order());
        foreach (var (name, tensor) in fromPt) Assert.True(Fixture.Equal(tensor, fromSafetensors[name]), name);
    }

    [Theory]
    [InlineData("nested_state_dict.pt")]
    [InlineData("nested_model_dataparallel.pt")]
    public void Finds_nested_state_dicts_and_strips_the_dataparallel_prefix(string file)
    {
        var nested = Fixture.ReadAll(Fixture.PyTorch(file));
        var flat = Fixture.ReadAll(Fixture.PyTorch("ingredient_0.pt"));
        Assert.Equal(flat.Keys, nested.Keys);
        foreach (var (name, tensor) in flat) Assert.True(Fixture.Equal(tensor, nested[name]), name);
    }

    [Fact]
    public void Keeps_the_module_prefix_when_asked_to_and_finds_an_explicit_key()
    {
        using var reader = KnownCheckpointFormats.Open(Fixture.PyTorch("nested_model_dataparallel.pt"),
            new ReadOptions(StripPrefix: "", StateDictKey: "model"));
        Assert.All(reader.Tensors, t => Assert.StartsWith("module.", t.Name));
        var missing = Assert.Throws<CheckpointFormatException>(() =>
            KnownCheckpointFormats.Open(Fixture.PyTorch("nested_state_dict.pt"), new ReadOptions(StateDictKey: "ema")));
        Assert.Contains("state_dict", missing.Message);
    }

    [Fact]
    public void Reads_every_supported_dtype_including_scalars_and_empty_tensors()
    {
        var pt = Fixture.ReadAll(Fixture.PyTorch("dtypes.pt"));
        var expected = Fixture.ReadAll(Fixture.PyTorch("dtypes_expected.safetensors"));
        Assert.Equal(expected.Keys.Order(), pt.Keys.Order());
        foreach (var (name, tensor) in expected) Assert.True(Fixture.Equal(tensor, pt[name]), name);
        Assert.Contains(pt.Values, t => t.dtype == torch.ScalarType.BFloat16);
        Assert.Equal(3.5f, pt["scalar"].item<float>());
        Assert.Equal([0L, 4L], pt["empty"].shape);
    }

    [Fact]
    public void Reads_tensors_that_are_strided_views_into_one_shared_storage()
    {
        // TorchSharp.PyBridge fails on these ("setStorage ... out of bounds", its issue #18).
        var views = Fixture.ReadAll(Fixture.PyTorch("views.pt"));
        var expected = Fixture.ReadAll(Fixture.PyTorch("views_expected.safetensors"));
        foreach (var name in new[] { "base", "row", "col", "transposed", "block", "strided" })
            Assert.True(Fixture.Equal(expected[name], views[name]), name);
        Assert.Equal([22f, 23f, 24f, 25f, 26f, 27f], views["block"][1].data<float>().ToArray());
    }

    [Fact]
    public void Refuses_a_legacy_non_zip_pickle_with_a_clear_message()
    {
        var error = Assert.Throws<CheckpointFormatException>(() => KnownCheckpointFormats.Open(Fixture.PyTorch("legacy.pt")));
        Assert.Contains("legacy", error.Message);
    }

    [Fact]
    public void A_harmless_class_beside_the_state_dict_no_longer_blocks_reading()
    {
        using var reader = KnownCheckpointFormats.Open(Fixture.PyTorch("namespace.pt"));
        Assert.Equal("state_dict", reader.WeightsKey);
        Assert.Contains("argparse.Namespace", reader.ForeignGlobals);
        Assert.Equal(11, reader.Tensors.Count);
    }

    [Fact]
    public void A_truncated_archive_is_a_format_error_not_a_crash()
    {
        using var temp = new TempFolder();
        var bytes = File.ReadAllBytes(Fixture.PyTorch("ingredient_0.pt"));
        foreach (var keep in new[] { bytes.Length - 30, bytes.Length / 2, 100, 3 })
        {
            var path = temp.File($"cut{keep}.pt");
            File.WriteAllBytes(path, bytes[..keep]);
            Assert.Throws<CheckpointFormatException>(() =>
            {
                using var reader = KnownCheckpointFormats.Open(path);
                foreach (var t in reader.Tensors) reader.Read(t.Name).Dispose();
            });
        }
    }
}
