using System.IO.Compression;
using TorchSharp;

namespace DigitsSweep;

/// <summary>The sample's data: Fashion-MNIST (pretraining) and scikit-learn's 8×8 digits (fine-tuning).</summary>
internal static class Datasets
{
    /// <summary>Reads an IDX image file (gzip) as float32 [N, 1, 28, 28] in [0, 1].</summary>
    public static torch.Tensor IdxImages(string path)
    {
        var bytes = Gunzip(path);
        var count = BigEndian(bytes, 4);
        var rows = BigEndian(bytes, 8);
        var cols = BigEndian(bytes, 12);
        var pixels = bytes.AsSpan(16, count * rows * cols).ToArray();
        using var raw = torch.tensor(pixels, [count, 1, rows, cols]);
        return raw.to(torch.float32) / 255f;
    }

    /// <summary>Reads an IDX label file (gzip) as int64 [N].</summary>
    public static torch.Tensor IdxLabels(string path)
    {
        var bytes = Gunzip(path);
        var count = BigEndian(bytes, 4);
        return torch.tensor(bytes.AsSpan(8, count).ToArray().Select(b => (long)b).ToArray());
    }

    /// <summary>
    /// The digits CSV (64 pixel columns 0..16, then the label) as inputs upsampled bilinearly from 8×8 to 28×28
    /// (float32 [N, 1, 28, 28], pixel/16) and labels (int64 [N]).
    /// </summary>
    public static (torch.Tensor Inputs, torch.Tensor Labels) Digits(string csvGz)
    {
        var lines = System.Text.Encoding.ASCII.GetString(Gunzip(csvGz)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var pixels = new List<float>();
        var labels = new List<long>();
        foreach (var line in lines)
        {
            var cells = line.Split(',');
            if (cells.Length != 65 || !float.TryParse(cells[0], System.Globalization.CultureInfo.InvariantCulture, out _)) continue;
            pixels.AddRange(cells.Take(64).Select(c => float.Parse(c, System.Globalization.CultureInfo.InvariantCulture) / 16f));
            labels.Add((long)float.Parse(cells[64], System.Globalization.CultureInfo.InvariantCulture));
        }
        using var small = torch.tensor(pixels.ToArray(), [labels.Count, 1, 8, 8]);
        var inputs = torch.nn.functional.interpolate(small, [28, 28], mode: torch.InterpolationMode.Bilinear, align_corners: false);
        return (inputs, torch.tensor(labels.ToArray()));
    }

    private static byte[] Gunzip(string path)
    {
        using var input = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    private static int BigEndian(byte[] b, int at) => (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
}
