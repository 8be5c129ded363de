using System.Text.Json;

namespace Soups.Cli.Tests.Commands;

/// <summary>Issue #10 through the command line: the strategies that use the base, the interpolation curve, inspect --base.</summary>
public class BaseStrategyCommandTests
{
    private static string[] Four => Enumerable.Range(0, 4).Select(i => Fixture.RealWorld($"mean_ingredient_{i}.safetensors")).ToArray();

    private static string Base => Fixture.Merging("base.safetensors");

    [Fact]
    public void Strategies_that_need_the_base_say_so_and_task_arithmetic_needs_a_scale_or_a_held_out_split()
    {
        using var temp = new TempFolder();
        var stock = CliRun.Run(["model-stock", .. Four, "-o", temp.File("a.safetensors")]);
        Assert.Equal(2, stock.ExitCode);
        Assert.Contains("--base", stock.ErrorLines[0]);

        var arithmetic = CliRun.Run(["task-arithmetic", .. Four, "--base", Base, "-o", temp.File("b.safetensors")]);
        Assert.Equal(2, arithmetic.ExitCode);
        Assert.Contains("--scale", arithmetic.ErrorLines[0]);
        Assert.Empty(Directory.GetFileSystemEntries(temp.PathName));

        var fixedScale = CliRun.Run(["task-arithmetic", .. Four, "--base", Base, "--scale", "0.3", "-o", temp.File("c.safetensors"), "--json"]);
        Assert.True(fixedScale.ExitCode == 0, fixedScale.Error);
        using var json = JsonDocument.Parse(fixedScale.Output);
        Assert.Equal(0.3, json.RootElement.GetProperty("details").GetProperty("scale").GetDouble());
        Assert.Equal(Base, json.RootElement.GetProperty("base").GetString());
    }

    [Fact]
    public void Interpolate_writes_the_best_alpha_its_curve_as_a_picture_and_the_basin_verdict()
    {
        using var temp = new TempFolder();
        var output = temp.File("wise.safetensors");
        var result = CliRun.Run(["interpolate", Fixture.Eval("digits_cnn_a.pt"), Fixture.Eval("digits_cnn_b.pt"), "--model", "digits-cnn",
            "--heldout", Fixture.Eval("heldout.safetensors"), "--alphas", "0,0.5,1", "-o", output, "--no-cache"]);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("basin", result.Output);
        var png = File.ReadAllBytes(output + ".curve.png");
        Assert.Equal((byte)'P', png[1]);
        using var report = JsonDocument.Parse(File.ReadAllText(output + ".report.json"));
        Assert.Equal(3, report.RootElement.GetProperty("details").GetProperty("curve").GetArrayLength());

        var three = CliRun.Run(["interpolate", .. Four.Take(3), "--model", "digits-cnn", "--heldout", Fixture.Eval("heldout.safetensors"),
            "-o", temp.File("x.safetensors"), "--no-cache"]);
        Assert.Equal(2, three.ExitCode);
        Assert.Contains("exactly 2 checkpoints", three.ErrorLines[0]);
    }

    [Fact]
    public void Inspect_with_a_base_reports_task_vector_norms_and_angles()
    {
        var result = CliRun.Run(["inspect", .. Four, "--base", Base, "--json"]);
        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var tasks = json.RootElement.GetProperty("task_vectors");
        Assert.Equal(4, tasks.GetProperty("norms").GetArrayLength());
        Assert.Equal(4, tasks.GetProperty("cosines").GetArrayLength());
        Assert.Equal(10, tasks.GetProperty("tensors").GetArrayLength()); // every floating-point tensor
        Assert.Equal(Base, json.RootElement.GetProperty("base").GetProperty("path").GetString());
    }

    [Fact]
    public void Compare_with_a_base_adds_the_base_strategies_rows()
    {
        using var temp = new TempFolder();
        var folder = temp.File("cmp");
        var result = CliRun.Run(["compare", Fixture.Eval("digits_cnn_a.pt"), Fixture.Eval("digits_cnn_b.pt"), "--base", Fixture.Eval("digits_cnn_a.pt"),
            "--model", "digits-cnn", "--heldout", Fixture.Eval("heldout.safetensors"), "--out-dir", folder, "--no-cache", "-q",
            "--strategies", "uniform,interpolate,model-stock,task-arithmetic,ties", "--set", "scales=0,0.5,1", "--set", "interpolate.alphas=0,0.5,1"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is both the base and an ingredient", result.ErrorLines[0]);

        var start = temp.File("start.safetensors"); // a stand-in base the two share: their mean
        Assert.Equal(0, CliRun.Run(["uniform", Fixture.Eval("digits_cnn_a.pt"), Fixture.Eval("digits_cnn_b.pt"), "-o", start, "-q"]).ExitCode);
        var ok = CliRun.Run(["compare", Fixture.Eval("digits_cnn_a.pt"), Fixture.Eval("digits_cnn_b.pt"), "--base", start, "--model", "digits-cnn", "--heldout", Fixture.Eval("heldout.safetensors"), "--out-dir", folder, "--no-cache", "-q",
            "--strategies", "uniform,interpolate,model-stock,task-arithmetic,ties", "--set", "scales=0,0.5,1", "--set", "interpolate.alphas=0,0.5,1"]);
        Assert.True(ok.ExitCode == 0, ok.Error);
        foreach (var row in new[] { "interpolation (α = ", "Model Stock soup", "task arithmetic (λ = ", "TIES soup (λ = " })
            Assert.Contains(row, ok.Output);
        foreach (var soup in new[] { "interpolate", "model-stock", "task-arithmetic", "ties" })
            Assert.True(File.Exists(Path.Combine(folder, soup + ".safetensors")), soup);
    }
}
