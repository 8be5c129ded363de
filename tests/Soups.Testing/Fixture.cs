using Soups.Checkpoints;
using TorchSharp;

namespace Soups.Testing;

/// <summary>
/// The committed fixtures (written by real PyTorch with the scripts beside them, under tests/Soups.Tests/Fixtures) and
/// the shipped sample, with helpers that read and write whole checkpoints (the tool itself never holds one in memory).
/// </summary>
public static class Fixture
{
    /// <summary>The repository's root (where Soups.sln is).</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>Fixtures written by real PyTorch (Fixtures/pytorch/make_fixtures.py).</summary>
    public static string PyTorch(string name) => Path.Combine(Folder("pytorch"), name);

    /// <summary>Real-world training checkpoints and exact means (Fixtures/realworld/make_realworld_fixtures.py).</summary>
    public static string RealWorld(string name) => Path.Combine(Folder("realworld"), name);

    /// <summary>Expected soups of the strategies that use a base (Fixtures/merging/make_merging_fixtures.py).</summary>
    public static string Merging(string name) => Path.Combine(Folder("merging"), name);

    /// <summary>Evaluation fixtures (Fixtures/eval/make_eval_fixtures.py).</summary>
    public static string Eval(string name) => Path.Combine(Folder("eval"), name);

    /// <summary>A PyTorch sweep with its subset, greedy and Fisher references (Fixtures/soups/make_soup_fixtures.py).</summary>
    public static string Soups(string name) => Path.Combine(Folder("soups"), name);

    /// <summary>CLIP ViT fixtures (Fixtures/clip-ref/make_clip_fixtures.py).</summary>
    public static string Clip(string name) => Path.Combine(Folder("clip-ref"), name);

    /// <summary>The three TinyNet fine-tunes of Fixtures/pytorch.</summary>
    public static string[] Ingredients(string extension = ".pt") =>
        Enumerable.Range(0, 3).Select(i => PyTorch($"ingredient_{i}{extension}")).ToArray();

    /// <summary>A file of the shipped sample, samples/digits.</summary>
    public static string Sample(string relative) => Path.Combine(Root, "samples", "digits", relative);

    /// <summary>The sample's fine-tunes, in file-name order.</summary>
    public static string[] SampleIngredients() =>
        Directory.GetFiles(Sample("ingredients"), "*.safetensors").Order(StringComparer.Ordinal).ToArray();

    /// <summary>Reads every tensor of a checkpoint into memory.</summary>
    public static Dictionary<string, torch.Tensor> ReadAll(string path, ReadOptions? options = null)
    {
        using var reader = KnownCheckpointFormats.Open(path, options);
        return reader.Tensors.ToDictionary(t => t.Name, t => reader.Read(t.Name));
    }

    /// <summary>Writes tensors as a safetensors file with this tool's writer.</summary>
    public static void WriteSafetensors(string path, IReadOnlyDictionary<string, torch.Tensor> tensors)
    {
        var layout = tensors.Select(kv => new TensorInfo(kv.Key, kv.Value.dtype, kv.Value.shape)).ToList();
        using var stream = File.Create(path);
        KnownCheckpointFormats.Safetensors.Writer!.Write(stream, layout, i => tensors[i.Name].contiguous().clone(),
            new Dictionary<string, string>());
    }

    /// <summary>Disposes every tensor of a dictionary read with <see cref="ReadAll"/>.</summary>
    public static void DisposeAll(Dictionary<string, torch.Tensor> tensors)
    {
        foreach (var tensor in tensors.Values) tensor.Dispose();
    }

    /// <summary>Largest absolute difference relative to the largest absolute value, in float64.</summary>
    public static double RelativeError(torch.Tensor expected, torch.Tensor actual)
    {
        using var e = expected.to(torch.float64);
        using var a = actual.to(torch.float64);
        if (e.numel() == 0) return 0;
        using var diff = (e - a).abs().max();
        using var scale = e.abs().max();
        var s = scale.item<double>();
        return diff.item<double>() / (s == 0 ? 1 : s);
    }

    /// <summary>True when dtype, shape and every byte agree (NaNs and signed zeros count, as they should for a copy).</summary>
    public static bool Equal(torch.Tensor a, torch.Tensor b)
    {
        if (a.dtype != b.dtype || !a.shape.SequenceEqual(b.shape)) return false;
        using var ca = a.contiguous();
        using var cb = b.contiguous();
        return ca.bytes.SequenceEqual(cb.bytes);
    }

    private static string Folder(string name) => Path.Combine(Root, "tests", "Soups.Tests", "Fixtures", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Soups.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root (Soups.sln) not found above " + AppContext.BaseDirectory);
    }
}
