using System.Text.Json;

namespace Soups.Cli.Tests.Commands;

public class CompareCommandTests
{
    [Fact]
    public void Writes_a_markdown_table_with_every_row_a_json_report_and_a_png_plot()
    {
        using var temp = new TempFolder();
        var folder = temp.File("cmp");
        var ingredients = SmallSample.Ingredients.Take(4).ToArray();
        var result = CliRun.Run(["compare", .. ingredients, "--model", "digits-cnn", "--heldout", SmallSample.HeldOut,
            "--test", "test=" + SmallSample.Test, "--out-dir", folder, "--set", "learned.epochs=1", "--no-cache", "-q"]);
        Assert.True(result.ExitCode == 0, result.Error);

        var markdown = File.ReadAllText(Path.Combine(folder, "report.md"));
        foreach (var row in new[] { "best individual", "uniform soup", "greedy soup", "learned soup |", "learned soup (by layer)", "ensemble (all)", "greedy ensemble" })
            Assert.Contains(row, markdown);
        foreach (var ingredient in ingredients) Assert.Contains(Path.GetFileName(ingredient), markdown);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "report.json")));
        Assert.Equal(7, json.RootElement.GetProperty("methods").GetArrayLength());
        Assert.Equal(4, json.RootElement.GetProperty("ingredients").GetArrayLength());

        var png = File.ReadAllBytes(Path.Combine(folder, "plot.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        using var bitmap = SkiaSharp.SKBitmap.Decode(png);
        Assert.Equal(900, bitmap.Width);
        // The ingredients are drawn in gray: some pixels must be exactly that colour.
        var gray = bitmap.Pixels.Count(p => p.Red == p.Green && p.Green == p.Blue && p.Red is > 100 and < 160);
        Assert.True(gray > 20, $"{gray} gray pixels");

        var again = CliRun.Run(["compare", .. ingredients, "--model", "digits-cnn", "--heldout", SmallSample.HeldOut,
            "--out-dir", folder, "--strategies", "uniform", "--no-cache"]);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("--force", again.Error);
    }
}
