using System.Text.Json;

namespace Soups.Cli.Tests.Commands;

/// <summary>
/// Issue #8 through the command line: inputs are never touched whatever the path, every bad input is one line and
/// exit 2 with nothing written, options are validated before any work.
/// </summary>
public class RobustnessTests
{
    private static string[] Greedy(string output, params string[] extra) =>
    [
        "greedy", Fixture.Eval("digits_cnn_a.pt"), Fixture.Eval("digits_cnn_b.pt"), "--model", "digits-cnn",
        "--heldout", Fixture.Eval("heldout.safetensors"), "-o", output, "--no-cache", .. extra,
    ];

    [Fact]
    public void An_output_reached_through_a_symlinked_folder_is_still_an_input()
    {
        using var temp = new TempFolder();
        var input = temp.File("a.safetensors");
        File.Copy(Fixture.PyTorch("ingredient_0.safetensors"), input);
        Directory.CreateSymbolicLink(temp.File("alias"), temp.PathName);
        var before = File.ReadAllBytes(input);
        var result = CliRun.Run(["uniform", input, Fixture.PyTorch("ingredient_1.pt"), "-o", temp.File("alias/a.safetensors"), "--force"]);
        CliAssert.OneErrorLine(result, "inputs are never overwritten");
        Assert.Equal(before, File.ReadAllBytes(input));
    }

    [Fact]
    public void An_output_that_is_one_shard_of_a_sharded_input_is_refused()
    {
        using var temp = new TempFolder();
        var shards = temp.File("sharded");
        Directory.CreateDirectory(shards);
        foreach (var file in Directory.GetFiles(Fixture.PyTorch("sharded"))) File.Copy(file, Path.Combine(shards, Path.GetFileName(file)));
        var shard = Path.Combine(shards, "model-00001-of-00002.safetensors");
        var before = File.ReadAllBytes(shard);
        var result = CliRun.Run(["uniform", Path.Combine(shards, "model.safetensors.index.json"), Fixture.PyTorch("ingredient_1.pt"),
            "-o", shard, "--force"]);
        CliAssert.OneErrorLine(result, "is the same file as the checkpoint");
        Assert.Equal(before, File.ReadAllBytes(shard));
    }

    [Fact]
    public void An_output_naming_the_held_out_split_or_a_results_file_naming_a_checkpoint_is_refused()
    {
        using var temp = new TempFolder();
        var heldOut = temp.File("heldout.safetensors");
        File.Copy(Fixture.Eval("heldout.safetensors"), heldOut);
        var before = File.ReadAllBytes(heldOut);
        var result = CliRun.Run(Greedy(heldOut, "--force").Select(a => a == Fixture.Eval("heldout.safetensors") ? heldOut : a).ToArray());
        CliAssert.OneErrorLine(result, "is the same file as the held-out split");
        Assert.Equal(before, File.ReadAllBytes(heldOut));

        var checkpoint = temp.File("b.pt");
        File.Copy(Fixture.Eval("digits_cnn_b.pt"), checkpoint);
        var checkpointBefore = File.ReadAllBytes(checkpoint);
        var args = Greedy(temp.File("soup.safetensors")).Where(a => a != "--no-cache").Select(a => a == Fixture.Eval("digits_cnn_b.pt") ? checkpoint : a)
            .Concat(["--results", checkpoint]).ToArray();
        CliAssert.OneErrorLine(CliRun.Run(args), "is the same file as the checkpoint");
        Assert.Equal(checkpointBefore, File.ReadAllBytes(checkpoint));
        Assert.False(File.Exists(temp.File("soup.safetensors")));
    }

    public static TheoryData<string, string[]> BadOptions => new()
    {
        { "--lr: must be a finite number >= 0", ["--lr", "-0.1"] },
        { "--lr: must be a finite number >= 0", ["--lr", "nan"] },
        { "--weight-decay: must be a finite number >= 0", ["--weight-decay", "-1"] },
        { "--threads: must be between 1 and 256", ["--threads", "100000"] },
        { "--threads: must be between 1 and 256", ["--threads", "0"] },
        { "--epochs: must be between 0", ["--epochs", "-1"] },
        { "--batch-size: must be between 1", ["--batch-size", "0"] },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_option_values_are_usage_errors_before_anything_is_read(string expected, string[] option)
    {
        using var temp = new TempFolder();
        var args = new List<string>
        {
            "learned", Fixture.Eval("digits_cnn_a.pt"), Fixture.Eval("digits_cnn_b.pt"), "--model", "digits-cnn",
            "--heldout", Fixture.Eval("heldout.safetensors"), "-o", temp.File("soup.safetensors"), "--no-cache",
        };
        args.AddRange(option);
        var result = CliRun.Run([.. args]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.ErrorLines[0]);
        Assert.Empty(Directory.GetFileSystemEntries(temp.PathName));
    }

    [Fact]
    public async Task An_empty_output_a_file_as_out_dir_and_a_fifo_as_checkpoint_are_clear_errors()
    {
        using var temp = new TempFolder();
        Assert.Contains("--output: must not be empty", CliRun.Run(["uniform", .. Fixture.Ingredients(), "-o", ""]).ErrorLines[0]);

        var file = temp.File("taken");
        File.WriteAllText(file, "x");
        var compare = CliRun.Run(["compare", Fixture.Eval("digits_cnn_a.pt"), Fixture.Eval("digits_cnn_b.pt"), "--model", "digits-cnn",
            "--heldout", Fixture.Eval("heldout.safetensors"), "--out-dir", file, "--no-cache"]);
        Assert.Equal(2, compare.ExitCode);
        Assert.Contains("--out-dir: names a file", compare.ErrorLines[0]);

        var fifo = temp.File("pipe.pt");
        Assert.Equal(0, Native.mkfifo(fifo, Convert.ToInt32("600", 8)));
        var task = Task.Run(() => CliRun.Run(["uniform", Fixture.PyTorch("ingredient_0.pt"), fifo, "-o", temp.File("soup.safetensors")]));
        Assert.True(await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(30))) == task, "reading a FIFO hung");
        CliAssert.OneErrorLine(await task, "not a regular file or folder");
    }

    [Fact]
    public void Unknown_commands_and_options_are_named_as_such()
    {
        var command = CliRun.Run(["frobnicate", "a.pt"]);
        Assert.Equal(2, command.ExitCode);
        Assert.Contains("unknown command 'frobnicate'", command.ErrorLines[0]);
        Assert.Contains("uniform", command.ErrorLines[0]);

        var option = CliRun.Run(["uniform", .. Fixture.Ingredients(), "--frob", "-o", "x.safetensors"]);
        Assert.Equal(2, option.ExitCode);
        Assert.Contains("unknown option '--frob'", option.ErrorLines[0]);
    }

    [Fact]
    public void A_test_split_that_does_not_fit_the_model_fails_before_anything_is_logged_or_written()
    {
        using var temp = new TempFolder();
        var bad = temp.File("rgb.safetensors");
        File.Copy(Fixture.PyTorch("ingredient_0.safetensors"), bad); // a checkpoint, not a split
        var result = CliRun.Run(Greedy(temp.File("soup.safetensors"), "--test", "rgb=" + bad));
        CliAssert.OneErrorLine(result, "needs tensors 'inputs' and 'labels'");
        Assert.Equal([bad], Directory.GetFileSystemEntries(temp.PathName));

        var images = temp.File("images");
        Directory.CreateDirectory(Path.Combine(images, "c"));
        File.Copy(Fixture.Eval("imagefolder/a_lower/a.jpg"), Path.Combine(images, "c", "a.jpg"));
        var shapes = CliRun.Run(Greedy(temp.File("soup.safetensors"), "--test", "img=" + images, "--preprocess", "imagenet"));
        CliAssert.OneErrorLine(shapes, "inputs of shape [3, 224, 224] do not fit the model digits-cnn");
        Assert.False(File.Exists(temp.File("soup.safetensors")));
    }

    [Fact]
    public void Compare_refuses_a_bad_option_before_writing_any_soup()
    {
        using var temp = new TempFolder();
        var folder = temp.File("out");
        var result = CliRun.Run(["compare", Fixture.Eval("digits_cnn_a.pt"), Fixture.Eval("digits_cnn_b.pt"), "--model", "digits-cnn",
            "--heldout", Fixture.Eval("heldout.safetensors"), "--out-dir", folder, "--no-cache", "--set", "learned.epochs=-3"]);
        Assert.Equal(2, result.ExitCode);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void Escape_codes_in_tensor_names_are_shown_escaped()
    {
        using var temp = new TempFolder();
        var path = temp.File("evil.safetensors");
        WriteSafetensors(path, "{\"\\u001b[2J\\u001b[31mevil\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", [0f]);
        var result = CliRun.Run(["inspect", Fixture.PyTorch("ingredient_0.pt"), path]);
        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain('\u001b', result.Output);
        Assert.Contains("\\x1b[31mevil", result.Output);
    }

    [Fact]
    public void Nan_weights_in_an_ingredient_are_a_warning_naming_the_file_and_tensor()
    {
        using var temp = new TempFolder();
        const string header = """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";
        var good = temp.File("good.safetensors");
        var bad = temp.File("bad.safetensors");
        WriteSafetensors(good, header, [1f, 2f]);
        WriteSafetensors(bad, header, [float.NaN, 2f]);
        var result = CliRun.Run(["uniform", good, bad, "-o", temp.File("soup.safetensors")]);
        Assert.Equal(0, result.ExitCode);
        var warning = Assert.Single(result.ErrorLines);
        Assert.StartsWith("warning:", warning);
        Assert.Contains("'w'", warning);
        Assert.Contains(bad, warning);
    }

    [Fact]
    public void A_list_file_line_is_one_path_even_with_spaces_or_a_leading_dash()
    {
        using var temp = new TempFolder();
        var spaced = temp.File("fine tune 0.pt");
        File.Copy(Fixture.PyTorch("ingredient_0.pt"), spaced);
        var list = temp.File("list.txt");
        File.WriteAllLines(list, [spaced, Fixture.PyTorch("ingredient_1.pt"), ""]);
        var output = temp.File("soup.safetensors");
        Assert.Equal(0, CliRun.Run(["uniform", "@" + list, "-o", output]).ExitCode);

        // "--force" on a line is a path (that does not exist), not the option.
        File.WriteAllLines(list, [spaced, "--force"]);
        var result = CliRun.Run(["uniform", "@" + list, "-o", temp.File("second.safetensors")]);
        CliAssert.OneErrorLine(result, "--force: no such file");
        Assert.False(File.Exists(temp.File("second.safetensors")));
    }

    [Fact]
    public void Learned_soup_trains_with_the_papers_batch_size_of_256_by_default()
    {
        using var temp = new TempFolder();
        var output = temp.File("learned.safetensors");
        var result = CliRun.Run(["learned", Fixture.Eval("digits_cnn_a.pt"), Fixture.Eval("digits_cnn_b.pt"), "--model", "digits-cnn",
            "--heldout", Fixture.Eval("heldout.safetensors"), "-o", output, "--no-cache", "--epochs", "1", "--json"]);
        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal(256, json.RootElement.GetProperty("details").GetProperty("batch_size").GetInt32());
    }

    [Fact]
    public void A_broken_ingredients_nan_scores_print_as_null_in_json()
    {
        using var temp = new TempFolder();
        var weights = Fixture.ReadAll(Fixture.Eval("digits_cnn_b.pt"));
        var broken = temp.File("broken.safetensors");
        weights["fc.bias"].fill_(float.NaN);
        Fixture.WriteSafetensors(broken, weights);
        Fixture.DisposeAll(weights);
        var result = CliRun.Run(["eval", Fixture.Eval("digits_cnn_a.pt"), broken, "--model", "digits-cnn",
            "--heldout", Fixture.Eval("heldout.safetensors"), "--results", temp.File("r.jsonl"), "--json"]);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.ErrorLines, l => l.StartsWith("warning:", StringComparison.Ordinal) && l.Contains("broken.safetensors"));
        using var json = JsonDocument.Parse(result.Output);
        var row = json.RootElement.GetProperty("results")[1];
        Assert.Equal(JsonValueKind.Null, row.GetProperty("loss").ValueKind);
        Assert.Equal(JsonValueKind.Null, row.GetProperty("accuracy").ValueKind);
    }

    [Fact]
    public void Inspect_and_verbose_logs_say_where_the_weights_were_found_and_what_was_left_out()
    {
        var inspect = CliRun.Run(["inspect", Fixture.RealWorld("tutorial_checkpoint.pt")]);
        Assert.Equal(0, inspect.ExitCode);
        Assert.Contains("weights: key 'model_state_dict'", inspect.Output);
        Assert.Contains("left out: epoch (int), optimizer_state_dict (dict of 2 entries), loss (tensor [])", inspect.Output);

        using var temp = new TempFolder();
        var verbose = CliRun.Run(["uniform", Fixture.RealWorld("timm_checkpoint.pth.tar"), Fixture.PyTorch("ingredient_1.pt"),
            "-o", temp.File("soup.safetensors"), "-v"]);
        Assert.Equal(0, verbose.ExitCode);
        Assert.Contains(verbose.ErrorLines, l => l.Contains("11 tensors at key 'state_dict'") && l.Contains("state_dict_ema (dict of 11 tensors)"));

        var hostile = CliRun.Run(["inspect", Fixture.PyTorch("malicious.pt")]);
        Assert.Equal(0, hostile.ExitCode);
        Assert.Contains(hostile.ErrorLines, l => l.StartsWith("warning:", StringComparison.Ordinal) && l.Contains("posix.system"));
    }

    private static void WriteSafetensors(string path, string header, float[] values)
    {
        var json = System.Text.Encoding.UTF8.GetBytes(header);
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((long)json.Length), .. json, .. values.SelectMany(BitConverter.GetBytes)]);
    }

    internal static class Native
    {
        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int mkfifo(string path, int mode);
    }
}
