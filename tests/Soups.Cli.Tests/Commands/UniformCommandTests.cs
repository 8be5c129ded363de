using System.Security.Cryptography;
using System.Text.Json;
using Soups.Checkpoints;
using TorchSharp;

namespace Soups.Cli.Tests.Commands;

public class UniformCommandTests
{
    [Fact]
    public void Bakes_the_soup_pytorch_computed_and_reports_it_as_json_with_the_files_hash()
    {
        using var temp = new TempFolder();
        var output = temp.File("soup.safetensors");
        var result = CliRun.Run(["uniform", .. Fixture.Ingredients(), "-o", output, "--json"]);
        Assert.Equal(0, result.ExitCode);

        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.Equal("uniform", root.GetProperty("strategy").GetString());
        Assert.Equal(output, root.GetProperty("output").GetProperty("path").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(output))),
            root.GetProperty("output").GetProperty("sha256").GetString());
        var ingredients = root.GetProperty("ingredients").EnumerateArray().ToList();
        Assert.Equal(Fixture.Ingredients(), ingredients.Select(i => i.GetProperty("path").GetString()));
        Assert.All(ingredients, i => Assert.Equal(1.0 / 3, i.GetProperty("weight").GetDouble(), 12));

        using var expected = KnownCheckpointFormats.Open(Fixture.PyTorch("expected_uniform.pt"));
        using var soup = KnownCheckpointFormats.Open(output);
        foreach (var info in expected.Tensors)
        {
            using var e = expected.Read(info.Name).to(torch.float64);
            using var s = soup.Read(info.Name).to(torch.float64);
            using var err = (e - s).abs().max();
            using var scale = e.abs().max();
            Assert.True(err.item<double>() <= 1e-6 * Math.Max(1, scale.item<double>()), info.Name);
        }
    }

    [Fact]
    public void Human_output_names_the_output_and_every_ingredient_weight()
    {
        using var temp = new TempFolder();
        var result = CliRun.Run(["uniform", .. Fixture.Ingredients(), "-o", temp.File("soup.pt"), "--weights", "1,1,2"]);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("uniform soup of 3 ingredients", result.Output);
        Assert.Contains("weight 0.5000", result.Output);
        Assert.Contains("weight 0.2500", result.Output);
    }

    [Fact]
    public void A_response_file_supplies_the_checkpoint_list()
    {
        using var temp = new TempFolder();
        var list = temp.File("ingredients.rsp");
        File.WriteAllLines(list, Fixture.Ingredients());
        var result = CliRun.Run(["uniform", "@" + list, "-o", temp.File("soup.safetensors")]);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("3 ingredients", result.Output);
    }

    [Fact]
    public void An_existing_output_is_kept_without_force_and_replaced_with_it()
    {
        using var temp = new TempFolder();
        var output = temp.File("soup.safetensors");
        File.WriteAllText(output, "previous soup");
        var refused = CliRun.Run(["uniform", .. Fixture.Ingredients(), "-o", output]);
        Assert.Equal(2, refused.ExitCode);
        Assert.Single(refused.ErrorLines);
        Assert.Contains("--force", refused.Error);
        Assert.Equal("previous soup", File.ReadAllText(output));

        var forced = CliRun.Run(["uniform", .. Fixture.Ingredients(), "-o", output, "--force"]);
        Assert.Equal(0, forced.ExitCode);
        using var reader = KnownCheckpointFormats.Open(output);
        Assert.Equal(11, reader.Tensors.Count);
    }

    public static TheoryData<string, string[]> BadInputs => new()
    {
        { "no such file", ["uniform", "missing.pt", "-o", "OUT"] },
        { "given twice", ["uniform", Fixture.PyTorch("ingredient_0.pt"), Fixture.PyTorch("ingredient_0.pt"), "-o", "OUT"] },
        { "no checkpoints given", ["uniform", "-o", "OUT"] },
        { "legacy", ["uniform", Fixture.PyTorch("ingredient_0.pt"), Fixture.PyTorch("legacy.pt"), "-o", "OUT"] },
        { "no weights found", ["uniform", Fixture.PyTorch("ingredient_0.pt"), Fixture.RealWorld("scalars_only.pt"), "-o", "OUT"] },
        { "given twice (it is the same file as", ["uniform", Fixture.PyTorch("ingredient_0.pt"), Fixture.PyTorch("../pytorch/ingredient_0.pt"), "-o", "OUT"] },
        { "overflows", ["uniform", .. Fixture.Ingredients(), "-o", "OUT", "--weights", "1e308,1e308,1"] },
        { "head.weight", ["uniform", Fixture.PyTorch("ingredient_0.pt"), Fixture.PyTorch("mismatch_shape.pt"), "-o", "OUT"] },
        { "has dtype float16", ["uniform", Fixture.PyTorch("ingredient_0.pt"), Fixture.PyTorch("mismatch_dtype.pt"), "-o", "OUT"] },
        { "is missing", ["uniform", Fixture.PyTorch("ingredient_0.pt"), Fixture.PyTorch("mismatch_names.pt"), "-o", "OUT"] },
        { "not a number", ["uniform", .. Fixture.Ingredients(), "-o", "OUT", "--weights", "1,x,2"] },
        { "3 checkpoint(s)", ["uniform", .. Fixture.Ingredients(), "-o", "OUT", "--weights", "1,2"] },
        { "non-negative", ["uniform", .. Fixture.Ingredients(), "-o", "OUT", "--weights", "1,-1,2"] },
        { "unknown type", ["uniform", .. Fixture.Ingredients(), "-o", "OUT", "--dtype", "int8"] },
        { "unknown output format", ["uniform", .. Fixture.Ingredients(), "-o", "OUT", "--format", "onnx"] },
        { "unknown device", ["uniform", .. Fixture.Ingredients(), "-o", "OUT", "--device", "tpu"] },
        { "--output", ["uniform", .. Fixture.Ingredients()] },
        { "not a checkpoint", ["uniform", Fixture.PyTorch("ingredient_0.pt"), Fixture.PyTorch("README.md"), "-o", "OUT"] },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_gives_one_error_line_exit_2_and_no_output_file(string expected, string[] args)
    {
        using var temp = new TempFolder();
        var output = temp.File("soup.safetensors");
        var result = CliRun.Run(args.Select(a => a == "OUT" ? output : a).ToArray());
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: ", result.ErrorLines[0]);
        Assert.Contains(expected, result.ErrorLines[0]);
        Assert.DoesNotContain("   at ", result.Error);
        Assert.Empty(Directory.GetFileSystemEntries(temp.PathName));
    }

    [Fact]
    public void A_truncated_ingredient_fails_with_exit_2_and_leaves_nothing_behind()
    {
        using var temp = new TempFolder();
        var bytes = File.ReadAllBytes(Fixture.PyTorch("ingredient_1.safetensors"));
        var cut = temp.File("cut.safetensors");
        File.WriteAllBytes(cut, bytes[..^100]);
        var result = CliRun.Run(["uniform", Fixture.PyTorch("ingredient_0.pt"), cut, "-o", temp.File("soup.pt")]);
        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.ErrorLines);
        Assert.Equal([cut], Directory.GetFileSystemEntries(temp.PathName));
    }

    [Fact]
    public void The_output_may_not_be_one_of_the_inputs_even_with_force()
    {
        using var temp = new TempFolder();
        var input = temp.File("a.safetensors");
        File.Copy(Fixture.PyTorch("ingredient_0.safetensors"), input);
        var before = File.ReadAllBytes(input);
        var result = CliRun.Run(["uniform", input, Fixture.PyTorch("ingredient_1.pt"), "-o", input, "--force"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("inputs are never overwritten", result.Error);
        Assert.Equal(before, File.ReadAllBytes(input));
    }

    [Fact]
    public void Half_precision_output_is_stored_as_float16()
    {
        using var temp = new TempFolder();
        var output = temp.File("soup.safetensors");
        Assert.Equal(0, CliRun.Run(["uniform", .. Fixture.Ingredients(), "-o", output, "--dtype", "fp16", "-q"]).ExitCode);
        using var reader = KnownCheckpointFormats.Open(output);
        Assert.Equal(torch.ScalarType.Float16, reader.Tensors.Single(t => t.Name == "fc1.weight").DType);
    }
}
