using System.Text.Json;

namespace Soups.Cli.Tests.Commands;

/// <summary>
/// A torch.save file whose pickle names <c>posix.system</c> (written by real PyTorch, Fixtures/eval): refused before any
/// work by every command that uses its tensors, read as inert data with <c>--allow-unsafe-globals</c>, shown by inspect.
/// </summary>
public class UnsafePickleTests
{
    private const string Marker = "/tmp/soup-fixture-pwned";

    private static readonly string Tampered = Fixture.Eval("tampered_digits_cnn_b.pt");
    private static readonly string TamperedSplit = Fixture.Eval("tampered_heldout.pt");

    private static string Refusal(string path) =>
        $"error: {path}: its pickle names posix.system, which torch.load would run (a tampered or unsafe file); " +
        "soup refuses it (--allow-unsafe-globals reads it as inert data)";

    private static string[] Evaluation(string heldOut) => ["--model", "digits-cnn", "--heldout", heldOut, "--no-cache"];

    public static TheoryData<string> Inputs => ["ingredient", "base", "held-out split", "test split", "evaluated checkpoint"];

    // A run that reads the tampered file as the given input, and that file.
    private static (string File, string[] Args) Run(string input, string output)
    {
        string[] both = [Fixture.Eval("digits_cnn_a.pt"), Fixture.Eval("digits_cnn_b.pt")];
        return input switch
        {
            "ingredient" => (Tampered, ["uniform", both[0], Tampered, "-o", output]),
            "base" => (Tampered, ["uniform", .. both, "--base", Tampered, "-o", output]),
            "held-out split" => (TamperedSplit, ["greedy", .. both, .. Evaluation(TamperedSplit), "-o", output]),
            "test split" => (TamperedSplit, ["uniform", .. both, .. Evaluation(Fixture.Eval("heldout.safetensors")),
                "--test", "tampered=" + TamperedSplit, "-o", output]),
            "evaluated checkpoint" => (Tampered, ["eval", Tampered, .. Evaluation(Fixture.Eval("heldout.safetensors"))]),
            _ => throw new ArgumentOutOfRangeException(nameof(input)),
        };
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void A_tampered_input_is_refused_in_one_line_with_nothing_written(string input)
    {
        using var temp = new TempFolder();
        var (file, args) = Run(input, temp.File("soup.safetensors"));
        if (File.Exists(Marker)) File.Delete(Marker);

        var result = CliRun.Run(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal([Refusal(file)], result.ErrorLines);
        Assert.Empty(Directory.GetFileSystemEntries(temp.PathName));
        Assert.False(File.Exists(Marker));
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void An_allowed_tampered_input_is_read_as_inert_data_with_a_warning(string input)
    {
        using var temp = new TempFolder();
        var (file, args) = Run(input, temp.File("soup.safetensors"));
        if (File.Exists(Marker)) File.Delete(Marker);

        var result = CliRun.Run([.. args, "--allow-unsafe-globals"]);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains(result.ErrorLines, l => l.StartsWith($"warning: {file}: its pickle names posix.system", StringComparison.Ordinal));
        if (args[0] != "eval") Assert.True(File.Exists(temp.File("soup.safetensors")));
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public void A_benign_unknown_class_is_read_without_the_flag_or_a_warning()
    {
        using var temp = new TempFolder();
        var result = CliRun.Run(["uniform", Fixture.PyTorch("namespace.pt"), Fixture.PyTorch("ingredient_1.pt"), "-o", temp.File("soup.safetensors")]);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.DoesNotContain(result.ErrorLines, l => l.StartsWith("warning:", StringComparison.Ordinal));
    }

    [Fact]
    public void Rebake_refuses_a_tampered_ingredient_unless_allowed()
    {
        using var temp = new TempFolder();
        var soup = temp.File("soup.safetensors");
        var baked = CliRun.Run(["uniform", Fixture.Eval("digits_cnn_a.pt"), Tampered, "-o", soup, "--allow-unsafe-globals"]);
        Assert.True(baked.ExitCode == 0, baked.Error);
        var folder = Path.GetDirectoryName(Tampered)!;

        var refused = CliRun.Run(["rebake", soup, "--from", folder]);
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal([Refusal(Path.Combine(folder, "tampered_digits_cnn_b.pt"))], refused.ErrorLines);

        var allowed = CliRun.Run(["rebake", soup, "--from", folder, "--allow-unsafe-globals"]);
        Assert.True(allowed.ExitCode == 0, allowed.Error);
        Assert.Single(Directory.GetFiles(temp.PathName, "*.safetensors")); // nothing written without -o
    }

    [Fact]
    public void Inspect_reads_a_tampered_file_and_flags_what_torch_load_would_run()
    {
        var text = CliRun.Run(["inspect", Tampered]);
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("UNSAFE: torch.load would run posix.system", text.Output);
        Assert.Contains(text.ErrorLines, l => l.StartsWith("warning:", StringComparison.Ordinal) && l.Contains("posix.system"));

        var json = CliRun.Run(["inspect", Tampered, "--json"]);
        Assert.Equal(0, json.ExitCode);
        using var document = JsonDocument.Parse(json.Output);
        var checkpoint = document.RootElement.GetProperty("checkpoints")[0];
        Assert.Equal(["posix.system"], checkpoint.GetProperty("unsafe_globals").EnumerateArray().Select(g => g.GetString()));
        Assert.Equal(10, checkpoint.GetProperty("tensor_count").GetInt32());
    }
}
