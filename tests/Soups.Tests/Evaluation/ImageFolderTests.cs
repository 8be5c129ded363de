using System.Text.Json;
using Soups.Checkpoints;
using Soups.Evaluation;
using TorchSharp;

namespace Soups.Tests.Evaluation;

public class ImageFolderTests
{

    private static JsonElement Expected()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixture.Eval("imagefolder_expected.json")));
        return doc.RootElement.Clone();
    }

    [Fact]
    public void Classes_and_files_are_in_torchvision_ImageFolder_order_and_non_images_are_skipped()
    {
        var split = ImageFolderSplit.Open(Fixture.Eval("imagefolder"), ImagePreprocessing.ImageNet, null);
        var expected = Expected();
        Assert.Equal(expected.GetProperty("classes").EnumerateArray().Select(c => c.GetString()), split.Classes);
        var samples = expected.GetProperty("samples").EnumerateArray()
            .Select(s => (s.GetProperty("path").GetString()!, s.GetProperty("class_index").GetInt32())).ToList();
        Assert.Equal(samples, split.Samples.Select(s => (Path.GetRelativePath(Fixture.Eval("imagefolder"), s.Path).Replace('\\', '/'), s.Label)));
    }

    [Theory]
    [InlineData("mask_bool.npy")]
    [InlineData("mask_int.npy")]
    [InlineData("mask_float.npy")]
    public void A_numpy_mask_selects_examples_in_that_order(string mask)
    {
        var all = ImageFolderSplit.Open(Fixture.Eval("imagefolder"), ImagePreprocessing.ImageNet, null);
        var masked = ImageFolderSplit.Open(Fixture.Eval("imagefolder"), ImagePreprocessing.ImageNet, SubsetMask.Load(Fixture.Eval(mask)));
        var indices = Expected().GetProperty("mask_indices").EnumerateArray().Select(i => i.GetInt32()).ToList();
        Assert.Equal(indices.Select(i => all.Samples[i]), masked.Samples);
        Assert.NotEqual(all.Fingerprint, masked.Fingerprint);
    }

    [Fact]
    public void A_mask_of_the_wrong_length_is_a_clear_error()
    {
        var error = Assert.ThrowsAny<SoupException>(() =>
            ImageFolderSplit.Open(Fixture.Eval("imagefolder"), ImagePreprocessing.ImageNet, SubsetMask.Load(Fixture.Eval("mask_wrong_length.npy"))));
        Assert.Contains("entries", error.Message);
    }

    [Theory]
    [InlineData("imagenet")]
    [InlineData("clip")]
    public void Preprocessing_is_close_to_torchvision_on_the_same_images(string preset)
    {
        using var split = ImageFolderSplit.Open(Fixture.Eval("imagefolder"), ImagePreprocessing.Named(preset), null);
        var (inputs, labels) = split.Batch(Enumerable.Range(0, split.Count).ToArray());
        using var reader = KnownCheckpointFormats.Open(Fixture.Eval("imagefolder_preprocessed.safetensors"));
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

    [Theory]
    [InlineData("truncated")]
    [InlineData("garbage")]
    public void A_bad_image_is_one_error_naming_the_first_bad_file(string kind)
    {
        using var temp = new TempFolder();
        var root = temp.File("images");
        Directory.CreateDirectory(Path.Combine(root, "a"));
        Directory.CreateDirectory(Path.Combine(root, "b"));
        var jpeg = File.ReadAllBytes(Fixture.Eval("imagefolder/a_lower/a.jpg"));
        File.WriteAllBytes(Path.Combine(root, "a", "0.jpg"), jpeg);
        var bad = Path.Combine(root, "a", "1.jpg");
        File.WriteAllBytes(bad, kind == "truncated" ? jpeg[..(jpeg.Length / 2)] : "not an image at all"u8.ToArray());
        File.WriteAllBytes(Path.Combine(root, "b", "2.jpg"), kind == "truncated" ? jpeg[..(jpeg.Length / 3)] : "nor this"u8.ToArray());
        using var split = ImageFolderSplit.Open(root, ImagePreprocessing.ImageNet, null);
        var error = Assert.ThrowsAny<SoupException>(() =>
        {
            foreach (var (inputs, labels) in split.Batches(8))
            {
                inputs.Dispose();
                labels.Dispose();
            }
        });
        Assert.StartsWith(bad + ":", error.Message);
        Assert.Contains(kind == "truncated" ? "truncated" : "cannot decode", error.Message);
    }

    [Fact]
    public void Batches_decoded_ahead_are_the_same_batches_in_order()
    {
        using var split = ImageFolderSplit.Open(Fixture.Eval("imagefolder"), ImagePreprocessing.ImageNet, null);
        var (all, allLabels) = split.Batch(Enumerable.Range(0, split.Count).ToArray());
        LeakCheck.NoLeaks(() =>
        {
            var start = 0;
            foreach (var (inputs, labels) in split.Batches(2))
            {
                using (inputs)
                using (labels)
                {
                    using var expected = all.narrow(0, start, inputs.shape[0]);
                    using var expectedLabels = allLabels.narrow(0, start, inputs.shape[0]);
                    Assert.True(Fixture.Equal(expected, inputs), $"batch at {start}");
                    Assert.True(Fixture.Equal(expectedLabels, labels), $"labels at {start}");
                    start += (int)inputs.shape[0];
                }
            }
            Assert.Equal(split.Count, start);
        });
        all.Dispose();
        allLabels.Dispose();
    }

    [Fact]
    public void A_bad_image_decoded_ahead_surfaces_with_its_batch_and_stopping_early_leaves_nothing()
    {
        using var temp = new TempFolder();
        var root = temp.File("images");
        Directory.CreateDirectory(Path.Combine(root, "a"));
        var jpeg = File.ReadAllBytes(Fixture.Eval("imagefolder/a_lower/a.jpg"));
        for (var i = 0; i < 4; i++) File.WriteAllBytes(Path.Combine(root, "a", $"{i}.jpg"), jpeg);
        File.WriteAllBytes(Path.Combine(root, "a", "4.jpg"), "not an image"u8.ToArray());
        using var split = ImageFolderSplit.Open(root, ImagePreprocessing.ImageNet, null);
        LeakCheck.NoLeaks(() =>
        {
            // Stopping after the first batch leaves no tensor behind (the second was decoded ahead as pixels only).
            foreach (var (inputs, labels) in split.Batches(2))
            {
                inputs.Dispose();
                labels.Dispose();
                break;
            }
        });
        var seen = 0;
        var error = Assert.ThrowsAny<SoupException>(() =>
        {
            foreach (var (inputs, labels) in split.Batches(2))
            {
                seen++;
                inputs.Dispose();
                labels.Dispose();
            }
        });
        Assert.Equal(2, seen); // images 0-1 and 2-3 came through; the batch holding 4.jpg failed
        Assert.Contains("4.jpg", error.Message);
    }
}
