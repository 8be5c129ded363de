using Soups.Checkpoints;

namespace Soups.Tests.Checkpoints;

/// <summary>
/// Issue #8, class 1: the weights of real training checkpoints (PyTorch's tutorial, pytorch/examples, timm,
/// Lightning), written by real PyTorch, are found where a user expects, never stray scalars or optimizer state.
/// </summary>
public class StateDictLocationTests
{
    [Theory]
    [InlineData("tutorial_checkpoint.pt", "model_state_dict", "loss (tensor [])")]
    [InlineData("examples_imagenet_checkpoint.pth.tar", "state_dict", "best_acc1 (tensor [])")]
    [InlineData("timm_checkpoint.pth.tar", "state_dict", "args (argparse.Namespace object, not read)")]
    [InlineData("top_level_with_extras.pt", "", "epoch (int)")]
    public void Training_checkpoints_yield_the_models_weights_not_a_stray_scalar(string file, string key, string leftOut)
    {
        using var reader = KnownCheckpointFormats.Open(Fixture.RealWorld(file));
        Assert.Equal(key, reader.WeightsKey);
        Assert.Contains(leftOut, reader.LeftOut);
        AssertSameTensors(Fixture.PyTorch("ingredient_0.pt"), reader);
    }

    [Fact]
    public void A_named_key_picks_the_ema_weights_beside_the_state_dict()
    {
        using var reader = KnownCheckpointFormats.Open(Fixture.RealWorld("timm_checkpoint.pth.tar"),
            new ReadOptions(StateDictKey: "state_dict_ema"));
        Assert.Equal("state_dict_ema", reader.WeightsKey);
        AssertSameTensors(Fixture.PyTorch("ingredient_1.pt"), reader);
    }

    [Fact]
    public void Unknown_classes_outside_the_weights_are_kept_inert_and_do_not_block_reading()
    {
        using var reader = KnownCheckpointFormats.Open(Fixture.RealWorld("lightning_checkpoint.ckpt"),
            ReadOptions.Default with { PrefixRules = [new PrefixRule("model.", "")] });
        Assert.Equal("state_dict", reader.WeightsKey);
        Assert.Contains("__main__.TrainConfig", reader.ForeignGlobals);
        AssertSameTensors(Fixture.PyTorch("ingredient_0.pt"), reader);
    }

    [Fact]
    public void A_hostile_global_beside_the_weights_is_refused_by_name_and_never_run()
    {
        const string marker = "/tmp/soup-fixture-pwned";
        if (File.Exists(marker)) File.Delete(marker);
        var error = Assert.Throws<UnsafeCheckpointException>(() => KnownCheckpointFormats.Open(Fixture.PyTorch("malicious.pt")));
        Assert.Equal(["posix.system"], error.Globals);
        Assert.Equal(Fixture.PyTorch("malicious.pt"), error.Path);
        Assert.Contains("posix.system", error.Message);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void A_hostile_global_allowed_by_the_read_options_is_kept_inert_and_never_run()
    {
        const string marker = "/tmp/soup-fixture-pwned";
        if (File.Exists(marker)) File.Delete(marker);
        using var reader = KnownCheckpointFormats.Open(Fixture.PyTorch("malicious.pt"), ReadOptions.Default with { AllowUnsafeGlobals = true });
        Assert.Equal(["weight"], reader.Tensors.Select(t => t.Name));
        Assert.Equal(["posix.system"], reader.UnsafeGlobals);
        Assert.Contains("posix.system", reader.ForeignGlobals);
        Assert.Contains(reader.LeftOut, l => l.StartsWith("payload (posix.system object", StringComparison.Ordinal));
        using var weight = reader.Read("weight");
        Assert.Equal([1f, 1f, 1f, 1f], weight.data<float>().ToArray());
        Assert.False(File.Exists(marker));
    }

    [Theory]
    [InlineData("realworld", "lightning_checkpoint.ckpt", "__main__.TrainConfig")]
    [InlineData("realworld", "timm_checkpoint.pth.tar", "argparse.Namespace")]
    [InlineData("pytorch", "namespace.pt", "argparse.Namespace")]
    public void A_benign_unknown_class_reads_without_being_allowed(string folder, string file, string global)
    {
        var path = folder == "pytorch" ? Fixture.PyTorch(file) : Fixture.RealWorld(file);
        using var reader = KnownCheckpointFormats.Open(path, ReadOptions.Default with { PrefixRules = [new PrefixRule("model.", "")] });
        Assert.Contains(global, reader.ForeignGlobals);
        Assert.Empty(reader.UnsafeGlobals);
        Assert.Equal(11, reader.Tensors.Count);
    }

    [Theory]
    [InlineData("scalars_only.pt", "epoch (int), loss (tensor []), best_acc1 (tensor [])")]
    [InlineData("optimizer_only.pt", "state (dict of")]
    public void A_checkpoint_without_weights_is_an_error_listing_what_it_holds(string file, string listed)
    {
        var error = Assert.Throws<CheckpointFormatException>(() => KnownCheckpointFormats.Open(Fixture.RealWorld(file)));
        Assert.Contains("no weights found", error.Message);
        Assert.Contains(listed, error.Message);
    }

    [Fact]
    public void A_special_tensor_inside_the_weights_is_refused_by_name()
    {
        var error = Assert.Throws<CheckpointFormatException>(() => KnownCheckpointFormats.Open(Fixture.RealWorld("quantized_weight.pt")));
        Assert.Contains("fc1.weight", error.Message);
        Assert.Contains("_rebuild_qtensor", error.Message);
    }

    [Fact]
    public void A_legacy_pickle_of_protocol_4_gets_the_resave_hint()
    {
        var error = Assert.Throws<CheckpointFormatException>(() => KnownCheckpointFormats.Open(Fixture.RealWorld("legacy_protocol4.pt")));
        Assert.Contains("legacy (non-zip) torch.save", error.Message);
    }

    private static void AssertSameTensors(string expectedPath, ICheckpointReader actual)
    {
        var expected = Fixture.ReadAll(expectedPath);
        try
        {
            Assert.Equal(expected.Keys, actual.Tensors.Select(t => t.Name));
            foreach (var (name, tensor) in expected)
            {
                using var read = actual.Read(name);
                Assert.True(Fixture.Equal(tensor, read), name);
            }
        }
        finally
        {
            Fixture.DisposeAll(expected);
        }
    }
}
