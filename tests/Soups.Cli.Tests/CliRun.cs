namespace Soups.Cli.Tests;

/// <summary>The result of running the CLI in-process.</summary>
internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

internal static class CliRun
{
    public static CliResult Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = SoupCli.RunAsync(args, output, error).GetAwaiter().GetResult();
        return new CliResult(code, output.ToString(), error.ToString());
    }

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch", name);

    public static string RealWorld(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "realworld", name);

    public static string Eval(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "eval", name);

    public static string[] Ingredients(string extension = ".pt") =>
        Enumerable.Range(0, 3).Select(i => Fixture($"ingredient_{i}{extension}")).ToArray();
}

/// <summary>A temporary folder removed after the test.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(PathName);

    public string PathName { get; } = Path.Combine(Path.GetTempPath(), "soup-cli-tests-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => Path.Combine(PathName, name);

    public void Dispose()
    {
        try { Directory.Delete(PathName, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The shipped sample, found from the test's folder.</summary>
internal static class Sample
{
    private static readonly string Root = FindRoot();

    public static string Digits(string relative) => Path.Combine(Root, "samples", "digits", relative);

    public static string[] Ingredients() =>
        Directory.GetFiles(Digits("ingredients"), "*.safetensors").Order(StringComparer.Ordinal).ToArray();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Soups.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found");
    }
}

/// <summary>Reads and writes whole checkpoints in tests (the tool itself never holds one in memory).</summary>
internal static class Fixture
{
    public static Dictionary<string, TorchSharp.torch.Tensor> ReadAll(string path)
    {
        using var reader = Soups.Checkpoints.KnownCheckpointFormats.Open(path);
        return reader.Tensors.ToDictionary(t => t.Name, t => reader.Read(t.Name));
    }

    public static void Write(string path, IReadOnlyDictionary<string, TorchSharp.torch.Tensor> tensors)
    {
        var layout = tensors.Select(kv => new Soups.Checkpoints.TensorInfo(kv.Key, kv.Value.dtype, kv.Value.shape)).ToList();
        using var stream = File.Create(path);
        Soups.Checkpoints.KnownCheckpointFormats.Safetensors.Writer!.Write(stream, layout, i => tensors[i.Name].contiguous().clone(),
            new Dictionary<string, string>());
        foreach (var tensor in tensors.Values) tensor.Dispose();
    }
}
