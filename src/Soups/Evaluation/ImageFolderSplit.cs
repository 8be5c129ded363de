using TorchSharp;

namespace Soups.Evaluation;

/// <summary>
/// Images in the ImageFolder layout: one sub-folder per class, classes and files in sorted (ordinal) order — the
/// order torchvision's <c>ImageFolder</c> gives, which <c>--subset</c> masks refer to. Decoded batch by batch, one batch ahead.
/// </summary>
public sealed class ImageFolderSplit : IHeldOutSplit
{
    /// <summary>The file extensions torchvision's ImageFolder accepts (case-insensitive).</summary>
    public static readonly IReadOnlyList<string> Extensions =
        [".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"];

    private readonly ImagePreprocessing _preprocessing;
    private readonly int _threads;

    private ImageFolderSplit(string root, IReadOnlyList<string> classes, IReadOnlyList<(string Path, int Label)> samples,
        ImagePreprocessing preprocessing, string fingerprint, int threads, IReadOnlyList<string> files)
    {
        Classes = classes;
        Samples = samples;
        _preprocessing = preprocessing;
        _threads = threads;
        Fingerprint = fingerprint;
        Files = files;
        Description = $"{root} ({samples.Count} images, {classes.Count} classes, {preprocessing.Name} preprocessing)";
        InputShape = [3, preprocessing.Crop, preprocessing.Crop];
        LabelRange = (samples.Min(s => s.Label), samples.Max(s => s.Label));
    }

    /// <inheritdoc />
    public (long Min, long Max) LabelRange { get; }

    /// <summary>Class names in label order.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Image paths and labels in split order (after the mask).</summary>
    public IReadOnlyList<(string Path, int Label)> Samples { get; }

    /// <inheritdoc />
    public int Count => Samples.Count;

    /// <inheritdoc />
    public string Fingerprint { get; }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public IReadOnlyList<long> InputShape { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> Files { get; }

    /// <summary>Lists <paramref name="root"/> in ImageFolder order and applies <paramref name="mask"/>.</summary>
    public static ImageFolderSplit Open(string root, ImagePreprocessing preprocessing, SubsetMask? mask, string? maskPath = null,
        int threads = 0)
    {
        var classes = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>()
            .Order(StringComparer.Ordinal).ToList();
        if (classes.Count == 0) throw new InputException(root, "no class sub-folders (expected the ImageFolder layout ROOT/CLASS/IMAGE)");
        var all = new List<(string, int)>();
        for (var label = 0; label < classes.Count; label++)
        {
            var files = Directory.EnumerateFiles(Path.Combine(root, classes[label]), "*", SearchOption.AllDirectories)
                .Where(f => Extensions.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
                .Order(StringComparer.Ordinal);
            all.AddRange(files.Select(f => (f, label)));
        }
        if (all.Count == 0) throw new InputException(root, "no images found");
        // .NET reads file names as UTF-8; a name that is not cannot be opened by the name it was listed under.
        var unreadable = all.FirstOrDefault(s => s.Item1.Contains('\uFFFD') && !File.Exists(s.Item1));
        if (unreadable.Item1 != null)
            throw new InputException(unreadable.Item1, "the file name is not valid UTF-8; rename it");
        var samples = all;
        if (mask != null)
        {
            mask.CheckLength(all.Count, root);
            samples = mask.SelectedIndices.Select(i => all[i]).ToList();
        }
        var listing = string.Join("\n", samples.Select(s => $"{Path.GetRelativePath(root, s.Item1)}\t{s.Item2}\t{new FileInfo(s.Item1).Length}"));
        var fingerprint = $"images:{preprocessing.Name}:" + Convert.ToHexStringLower(
            System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(listing)));
        var read = all.Select(s => s.Item1).ToList();
        if (maskPath != null) read.Add(maskPath);
        return new ImageFolderSplit(root, classes, samples, preprocessing, fingerprint, threads, read);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The next batch is decoded in the background while the caller uses the current one (issue #12): on a GPU the
    /// model then never waits for the CPU's decoding unless decoding is the slower of the two. Only pixels are made
    /// ahead; the tensors are made on the caller's thread when it asks for the batch, so nothing is left to release
    /// when it stops early. A bad image still surfaces as its batch's error, in order.
    /// </remarks>
    public IEnumerable<(torch.Tensor Inputs, torch.Tensor Labels)> Batches(int batchSize)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), "batch size must be positive");
        int[] Range(int start) => Enumerable.Range(start, Math.Min(batchSize, Count - start)).ToArray();
        Task<Decoded>? ahead = null;
        try
        {
            for (var start = 0; start < Count; start += batchSize)
            {
                var current = ahead is null ? Decode(Range(start)) : ahead.GetAwaiter().GetResult(); // its exception as thrown
                var next = start + batchSize;
                ahead = next < Count ? Task.Run(() => Decode(Range(next))) : null;
                yield return current.ToTensors();
            }
        }
        finally
        {
            // Stopped early: let the batch decoded ahead finish (its error, if any, is nobody's), so no thread is still
            // reading files after the caller has moved on.
            try
            {
                ahead?.Wait();
            }
            catch (AggregateException)
            {
            }
        }
    }

    /// <inheritdoc />
    public (torch.Tensor Inputs, torch.Tensor Labels) Batch(IReadOnlyList<int> indices) => Decode(indices).ToTensors();

    // Decodes and preprocesses the images of one batch into managed memory, on all threads.
    private Decoded Decode(IReadOnlyList<int> indices)
    {
        var crop = _preprocessing.Crop;
        var perImage = 3 * crop * crop;
        var buffer = new float[indices.Count * perImage];
        var failures = new System.Collections.Concurrent.ConcurrentDictionary<int, Exception>();
        Threads.For(0, indices.Count, _threads > 0 ? _threads : Environment.ProcessorCount, at =>
        {
            var i = (int)at;
            try
            {
                _preprocessing.Apply(Samples[indices[i]].Path, buffer.AsSpan(i * perImage, perImage));
            }
            catch (Exception e) when (e is InputException or IOException or UnauthorizedAccessException)
            {
                failures[i] = e;
            }
        });
        // The first bad image in split order, whichever thread met it first.
        if (!failures.IsEmpty)
        {
            var first = failures[failures.Keys.Min()];
            throw first as InputException ?? new InputException(Samples[indices[failures.Keys.Min()]].Path, $"cannot read image ({first.Message})", first);
        }
        return new Decoded(buffer, [indices.Count, 3, crop, crop], indices.Select(i => (long)Samples[i].Label).ToArray());
    }

    private sealed record Decoded(float[] Pixels, long[] Shape, long[] Labels)
    {
        public (torch.Tensor Inputs, torch.Tensor Labels) ToTensors()
        {
            var inputs = torch.tensor(Pixels, Shape);
            try
            {
                return (inputs, torch.tensor(Labels));
            }
            catch
            {
                inputs.Dispose();
                throw;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
