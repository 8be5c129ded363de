namespace Soups.Cli.Tests.Commands;

/// <summary>
/// Issue #8: valid checkpoints of every format, truncated and with bytes flipped at many offsets, never make soup fail
/// with anything but exit 0 or 2 and one line: no exit 1, no stack trace, no hang, no file left behind. Deterministic
/// (fixed seed), a few seconds in all.
/// </summary>
public class FuzzTests
{
    public static TheoryData<string> Seeds => new() { "pt", "safetensors", "torchsharp" };

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Damaged_checkpoints_are_exit_0_or_2_with_one_line_and_leave_nothing_behind(string format)
    {
        using var temp = new TempFolder();
        var seed = SeedFile(temp, format);
        var original = File.ReadAllBytes(seed);
        var random = new Random(8);
        var mutations = new List<(string What, byte[] Bytes)>();
        for (var i = 1; i <= 40; i++)
        {
            var keep = (int)((long)original.Length * i / 41);
            mutations.Add(($"truncated to {keep}", original[..keep]));
        }
        // Flips everywhere, and densely where the indexes live (the start; a zip's directory at the end).
        var offsets = Enumerable.Range(0, 120).Select(_ => random.Next(original.Length))
            .Concat(Enumerable.Range(0, 120).Select(_ => random.Next(Math.Min(original.Length, 1024))))
            .Concat(Enumerable.Range(0, 60).Select(_ => original.Length - 1 - random.Next(Math.Min(original.Length, 1500))));
        foreach (var at in offsets)
        {
            var bytes = (byte[])original.Clone();
            bytes[at] = random.Next(3) switch { 0 => (byte)(bytes[at] ^ 0x80), 1 => 0xFF, _ => (byte)random.Next(256) };
            mutations.Add(($"byte {at} set to {bytes[at]:x2}", bytes));
        }

        foreach (var (what, bytes) in mutations)
        {
            using var case_ = new TempFolder();
            var input = case_.File("input." + (format == "torchsharp" ? "dat" : format));
            File.WriteAllBytes(input, bytes);
            var output = case_.File("soup.safetensors");
            var run = Task.Run(() => CliRun.Run(["uniform", input, "-o", output]));
            Assert.True(await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(20))) == run, $"{format}, {what}: hung");
            var result = await run;
            var context = $"{format}, {what}: exit {result.ExitCode}, {result.Error}";
            Assert.True(result.ExitCode is 0 or 2, context);
            Assert.DoesNotContain("   at ", result.Error);
            Assert.DoesNotContain("unexpected failure", result.Error);
            if (result.ExitCode == 2) Assert.True(result.ErrorLines.Length == 1, context);
            var expected = result.ExitCode == 0 ? new[] { input, output, output + ".report.json" } : [input];
            Assert.Equal(expected.Order(), Directory.GetFileSystemEntries(case_.PathName).Order());
        }
    }

    private static string SeedFile(TempFolder temp, string format)
    {
        if (format != "torchsharp") return Fixture.PyTorch($"ingredient_0.{format}");
        var path = temp.File("seed.dat");
        Assert.Equal(0, CliRun.Run(["uniform", Fixture.PyTorch("ingredient_0.pt"), "-o", path, "-q"]).ExitCode);
        return path;
    }
}
