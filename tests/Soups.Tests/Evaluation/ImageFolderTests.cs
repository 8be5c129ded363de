using System.Text.Json;
using Soups.Checkpoints;
using Soups.Evaluation;
using TorchSharp;

namespace Soups.Tests.Evaluation;

public class ImageFolderTests
{
    private static string Eval(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "eval", name);

    private static JsonElement Expected()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Eval("imagefolder_expected.json")));
        return doc.RootElement.Clone();
    }

    [Fact]
    public void Classes_and_files_are_in_torchvision_ImageFolder_order_and_non_images_are_skipped()
    {
        var split = ImageFolderSplit.Open(Eval("imagefolder"), ImagePreprocessing.ImageNet, null);
        var expected = Expected();
        Assert.Equal(expected.GetProperty("classes").EnumerateArray().Select(c => c.GetString()), split.Classes);
        var samples = expected.GetProperty("samples").EnumerateArray()
            .Select(s => (s.GetProperty("path").GetString()!, s.GetProperty("class_index").GetInt32())).ToList();
        Assert.Equal(samples, split.Samples.Select(s => (Path.GetRelativePath(Eval("imagefolder"), s.Path).Replace('\\', '/'), s.Label)));
    }

    [Theory]
    [InlineData("mask_bool.npy")]
    [InlineData("mask_int.npy")]
    [InlineData("mask_float.npy")]
    public void A_numpy_mask_selects_examples_in_that_order(string mask)
    {
        var all = ImageFolderSplit.Open(Eval("imagefolder"), ImagePreprocessing.ImageNet, null);
        var masked = ImageFolderSplit.Open(Eval("imagefolder"), ImagePreprocessing.ImageNet, SubsetMask.Load(Eval(mask)));
        var indices = Expected().GetProperty("mask_indices").EnumerateArray().Select(i => i.GetInt32()).ToList();
        Assert.Equal(indices.Select(i => all.Samples[i]), masked.Samples);
        Assert.NotEqual(all.Fingerprint, masked.Fingerprint);
    }

    [Fact]
    public void A_mask_of_the_wrong_length_is_a_clear_error()
    {
        var error = Assert.Throws<SoupException>(() =>
            ImageFolderSplit.Open(Eval("imagefolder"), ImagePreprocessing.ImageNet, SubsetMask.Load(Eval("mask_wrong_length.npy"))));
        Assert.Contains("entries", error.Message);
    }

    [Theory]
    [InlineData("imagenet")]
    [InlineData("clip")]
    public void Preprocessing_is_close_to_torchvision_on_the_same_images(string preset)
    {
        using var split = ImageFolderSplit.Open(Eval("imagefolder"), ImagePreprocessing.Named(preset), null);
        var (inputs, labels) = split.Batch(Enumerable.Range(0, split.Count).ToArray());
        using var reader = KnownCheckpointFormats.Open(Eval("imagefolder_preprocessed.safetensors"));
        using var bytes = reader.Read(preset);
        var p = ImagePreprocessing.Named(preset);
        using var mean = torch.tensor(p.Mean).reshape(1, 3, 1, 1);
        using var std = torch.tensor(p.Std).reshape(1, 3, 1, 1);
        using var expected = (bytes.to(torch.float32) / 255f - mean) / std;
        Assert.Equal(expected.shape, inputs.shape);
        // Different resamplers (Skia vs PIL) move pixels by a few levels; the crop and colour handling must agree.
        using var difference = (expected - inputs).abs() * std;
        var meanDifference = difference.mean().item<float>() * 255;
        Assert.True(meanDifference < 3.0, $"mean absolute difference {meanDifference:0.00} of 255 levels");
        inputs.Dispose();
        labels.Dispose();
    }
}
