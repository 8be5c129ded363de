using SkiaSharp;

namespace Soups.Evaluation;

/// <summary>
/// How an image becomes a model input: resize the shorter side, centre-crop, scale to [0, 1], normalise per channel
/// — the torchvision pipelines the presets are named after, with the interpolation chosen explicitly.
/// </summary>
public sealed record ImagePreprocessing(string Name, int ResizeShorter, int Crop, SKSamplingOptions Sampling, float[] Mean, float[] Std)
{
    /// <summary>ImageNet evaluation: bilinear resize to 256, centre crop 224, ImageNet mean/std.</summary>
    public static ImagePreprocessing ImageNet { get; } =
        new("imagenet", 256, 224, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear), [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>CLIP: bicubic resize of the shorter side to 224, centre crop 224, CLIP mean/std.</summary>
    public static ImagePreprocessing Clip { get; } =
        new("clip", 224, 224, new SKSamplingOptions(SKCubicResampler.CatmullRom), [0.48145466f, 0.4578275f, 0.40821073f], [0.26862954f, 0.26130258f, 0.27577711f]);

    /// <summary>The presets by name.</summary>
    public static IReadOnlyList<ImagePreprocessing> Presets { get; } = [ImageNet, Clip];

    /// <summary>Looks a preset up by name.</summary>
    public static ImagePreprocessing Named(string name) =>
        Presets.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new OptionException("preprocess", $"unknown preset '{name}' (choose {string.Join(", ", Presets.Select(p => p.Name))})");

    /// <summary>Decodes <paramref name="path"/> and writes its 3×Crop×Crop CHW floats into <paramref name="destination"/>.</summary>
    public void Apply(string path, Span<float> destination)
    {
        using var decoded = Decode(path);
        var (width, height) = (decoded.Width, decoded.Height);
        // torchvision Resize(int): the shorter side becomes ResizeShorter, the longer is truncated int(size * long / short).
        var (newWidth, newHeight) = width <= height
            ? (ResizeShorter, (int)((long)ResizeShorter * height / width))
            : ((int)((long)ResizeShorter * width / height), ResizeShorter);
        using var resized = decoded.Resize(new SKImageInfo(newWidth, newHeight, SKColorType.Rgba8888, SKAlphaType.Unpremul), Sampling)
            ?? throw new InputException(path, "image could not be resized");
        // torchvision CenterCrop: offsets round half to even (Python's round).
        var top = (int)Math.Round((newHeight - Crop) / 2.0, MidpointRounding.ToEven);
        var left = (int)Math.Round((newWidth - Crop) / 2.0, MidpointRounding.ToEven);
        var pixels = resized.GetPixelSpan();
        var plane = Crop * Crop;
        for (var y = 0; y < Crop; y++)
        {
            var row = (top + y) * resized.RowBytes;
            for (var x = 0; x < Crop; x++)
            {
                var at = row + (left + x) * 4;
                for (var c = 0; c < 3; c++)
                    destination[c * plane + y * Crop + x] = (pixels[at + c] / 255f - Mean[c]) / Std[c];
            }
        }
    }

    private static SKBitmap Decode(string path)
    {
        using var codec = SKCodec.Create(path) ?? throw new InputException(path, "cannot decode image (not an image, or damaged)");
        if (codec.Info.Width <= 0 || codec.Info.Height <= 0) throw new InputException(path, "image has no pixels");
        // Unpremultiplied RGBA: colour values as stored, alpha ignored later (PIL's convert("RGB") drops alpha too).
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        // A truncated file decodes half an image (IncompleteInput); PIL, and so torchvision, refuses it, and so does this.
        if (result != SKCodecResult.Success)
        {
            bitmap.Dispose();
            throw new InputException(path, result == SKCodecResult.IncompleteInput
                ? "the image file is truncated"
                : $"cannot decode image ({result})");
        }
        return bitmap;
    }
}
