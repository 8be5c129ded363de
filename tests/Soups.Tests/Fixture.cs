using Soups.Checkpoints;
using TorchSharp;

namespace Soups.Tests;

/// <summary>Paths to the committed fixtures and small helpers shared by the tests.</summary>
internal static class Fixture
{
    /// <summary>Fixtures written by real PyTorch (see Fixtures/pytorch/make_fixtures.py).</summary>
    public static string PyTorch(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch", name);

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
