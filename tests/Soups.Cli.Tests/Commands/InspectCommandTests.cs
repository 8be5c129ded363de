using System.Text.Json;

namespace Soups.Cli.Tests.Commands;

public class InspectCommandTests
{
    [Fact]
    public void Json_reports_counts_compatibility_and_symmetric_distance_matrices()
    {
        var result = CliRun.Run(["inspect", .. Fixture.Ingredients(), "--json"]);
        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.True(root.GetProperty("compatible").GetBoolean());
        var first = root.GetProperty("checkpoints")[0];
        Assert.Equal(11, first.GetProperty("tensor_count").GetInt32());
        Assert.Equal(1794, first.GetProperty("parameter_count").GetInt64());
        var d = root.GetProperty("l2_distances");
        var c = root.GetProperty("cosine_similarities");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, d[i][i].GetDouble(), 9);
            Assert.Equal(1, c[i][i].GetDouble(), 9);
            for (var j = 0; j < 3; j++) Assert.Equal(d[i][j].GetDouble(), d[j][i].GetDouble(), 12);
        }
        Assert.True(d[0][1].GetDouble() > 0);
    }

    [Fact]
    public void Incompatible_checkpoints_are_reported_with_the_differing_tensor()
    {
        var result = CliRun.Run(["inspect", Fixture.PyTorch("ingredient_0.pt"), Fixture.PyTorch("mismatch_shape.pt")]);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("compatible: no", result.Output);
        Assert.Contains("head.weight", result.Output);
    }

    [Fact]
    public void A_long_metadata_value_is_shown_cut_with_its_size_and_json_keeps_it_whole()
    {
        using var temp = new TempFolder();
        var path = temp.File("long.safetensors");
        var value = "{\"weights\":[" + string.Join(",", Enumerable.Repeat("0.25", 30_000)) + "]}";
        using (var source = Checkpoints.KnownCheckpointFormats.Open(Fixture.PyTorch("ingredient_0.safetensors")))
        using (var stream = File.Create(path))
            Checkpoints.KnownCheckpointFormats.Safetensors.Writer!.Write(stream, source.Tensors, info => Checkpoints.TensorBytes.Of(source.Read(info.Name)),
                new Dictionary<string, string> { ["format"] = "pt", ["notes"] = value });

        var result = CliRun.Run(["inspect", path]);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("      format: pt", result.Output);
        Assert.Contains($"      notes: {value[..200]}… (150,013 bytes)", result.Output);
        Assert.DoesNotContain(value[..201], result.Output);

        var json = CliRun.Run(["inspect", path, "--json"]);
        using var document = JsonDocument.Parse(json.Output);
        Assert.Equal(value, document.RootElement.GetProperty("checkpoints")[0].GetProperty("metadata").GetProperty("notes").GetString());
    }

    [Fact]
    public void Help_lists_the_commands()
    {
        var result = CliRun.Run(["--help"]);
        Assert.Equal(0, result.ExitCode);
        foreach (var command in new[] { "uniform", "greedy", "learned", "compare", "eval", "inspect" })
            Assert.Contains($"  {command} ", result.Output);
    }

    [Fact]
    public void An_unknown_option_is_a_usage_error_with_exit_2()
    {
        var result = CliRun.Run(["uniform", "--bogus"]);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: ", result.Error);
    }
}
