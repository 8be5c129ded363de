using TorchSharp;

namespace Soups.Testing;

/// <summary>
/// A smaller slice of the shipped sample for tests that evaluate many times: six of its fine-tunes (two of each
/// learning rate) and the first 200 held-out and 300 test images. Written once per test process.
/// </summary>
public static class SmallSample
{
    private static readonly Lazy<string> Folder = new(Make);

    /// <summary>Six of the sample's fine-tunes.</summary>
    public static string[] Ingredients { get; } =
        Fixture.SampleIngredients().Where((_, i) => i % 2 == 1).ToArray();

    /// <summary>The first 200 examples of the sample's held-out split.</summary>
    public static string HeldOut => Path.Combine(Folder.Value, "heldout.safetensors");

    /// <summary>The first 300 examples of the sample's test split.</summary>
    public static string Test => Path.Combine(Folder.Value, "test.safetensors");

    private static string Make()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"soup-small-sample-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        };
        Slice(Fixture.Sample("heldout.safetensors"), Path.Combine(folder, "heldout.safetensors"), 200);
        Slice(Fixture.Sample("test.safetensors"), Path.Combine(folder, "test.safetensors"), 300);
        return folder;
    }

    private static void Slice(string from, string to, int count)
    {
        var all = Fixture.ReadAll(from);
        var first = all.ToDictionary(kv => kv.Key, kv => kv.Value.narrow(0, 0, count));
        Fixture.WriteSafetensors(to, first);
        Fixture.DisposeAll(first);
        Fixture.DisposeAll(all);
    }
}
