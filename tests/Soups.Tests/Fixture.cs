using Soups.Checkpoints;
using TorchSharp;

namespace Soups.Tests;

/// <summary>Paths to the committed fixtures and small helpers shared by the tests.</summary>
internal static class Fixture
{
    /// <summary>Fixtures written by real PyTorch (see Fixtures/pytorch/make_fixtures.py).</summary>
    public static string PyTorch(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch", name);

    /// <summary>Real-world training checkpoints and exact means (see Fixtures/realworld/make_realworld_fixtures.py).</summary>
    public static string RealWorld(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "realworld", name);

    /// <summary>Evaluation fixtures (see Fixtures/eval/make_eval_fixtures.py).</summary>
    public static string Eval(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "eval", name);

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

    public static string[] Ingredients(string extension = ".pt") =>
        Enumerable.Range(0, 3).Select(i => PyTorch($"ingredient_{i}{extension}")).ToArray();

    /// <summary>Reads every tensor of a checkpoint into memory (tests only; the tool itself never does this).</summary>
    public static Dictionary<string, torch.Tensor> ReadAll(string path, ReadOptions? options = null)
    {
        using var reader = KnownCheckpointFormats.Open(path, options);
        return reader.Tensors.ToDictionary(t => t.Name, t => reader.Read(t.Name));
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

    public static bool Equal(torch.Tensor a, torch.Tensor b)
    {
        if (a.dtype != b.dtype || !a.shape.SequenceEqual(b.shape)) return false;
        // Bitwise: NaNs and signed zeros count, as they should when a file is copied.
        using var ca = a.contiguous();
        using var cb = b.contiguous();
        return ca.bytes.SequenceEqual(cb.bytes);
    }
}

/// <summary>A temporary folder removed after the test.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(PathName);

    public string PathName { get; } = Path.Combine(Path.GetTempPath(), "soup-tests-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => Path.Combine(PathName, name);

    public void Dispose()
    {
        try { Directory.Delete(PathName, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Files committed elsewhere in the repository (the shipped sample), found from the test's folder.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string SampleDigits(string relative) => Path.Combine(Root, "samples", "digits", relative);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Soups.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root (Soups.sln) not found above " + AppContext.BaseDirectory);
    }
}
