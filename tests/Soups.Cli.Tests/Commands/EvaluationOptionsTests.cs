using System.Text.Json;

namespace Soups.Cli.Tests.Commands;

/// <summary>The held-out mask and the test splits as the command line takes them: bad ones are one line and exit 2.</summary>
public class EvaluationOptionsTests
{
    private static string[] Greedy(TempFolder temp, params string[] extra) =>
    [
        "greedy", Fixture.Eval("digits_cnn_a.pt"), Fixture.Eval("digits_cnn_b.pt"), "--model", "digits-cnn",
        "--heldout", Fixture.Eval("heldout.safetensors"), "-o", temp.File("soup.safetensors"), "--no-cache", .. extra,
    ];

    [Fact]
    public void A_hostile_mask_is_one_error_line_naming_it_and_nothing_is_written()
    {
        using var temp = new TempFolder();
        var mask = temp.File("mask.npy");
        // A version 2 header whose length field says 2 GiB, in a file of a few dozen bytes.
        byte[] header = [.. "{'descr': '|b1', 'fortran_order': False, 'shape': (200,), }\n"u8];
        File.WriteAllBytes(mask, [0x93, .. "NUMPY"u8, 2, 0, .. BitConverter.GetBytes(1u << 31), .. header]);
        var result = CliRun.Run(Greedy(temp, "--subset", mask));
        CliAssert.OneErrorLine(result, $"{mask}: the .npy header is said to be 2147483648 bytes long");
        Assert.Equal([mask], Directory.GetFileSystemEntries(temp.PathName));

        File.WriteAllBytes(mask, [0x93, .. "NUMPY"u8, 1, 0, 64, 0, .. "{'descr': '|i1', 'shape': (2305843009213693952,), }".PadRight(63).Select(c => (byte)c), 10, 1]);
        CliAssert.OneErrorLine(CliRun.Run(Greedy(temp, "--subset", mask)), "the mask is said to hold 2305843009213693952 values");
    }

    [Theory]
    [InlineData("=")]
    [InlineData("=PATH")]
    [InlineData(" =PATH")]
    [InlineData("/")]
    public void A_test_split_without_a_name_is_refused(string spec)
    {
        using var temp = new TempFolder();
        var result = CliRun.Run(Greedy(temp, "--test", spec.Replace("PATH", Fixture.Eval("heldout.safetensors"), StringComparison.Ordinal)));
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: --test: ", result.ErrorLines[0]);
        Assert.Contains("NAME=PATH", result.ErrorLines[0]);
        Assert.DoesNotContain("()", result.Error);
        Assert.Empty(Directory.GetFileSystemEntries(temp.PathName));
    }

    [Fact]
    public void A_test_split_given_by_path_alone_is_named_after_its_file_even_a_hidden_one()
    {
        using var temp = new TempFolder();
        var hidden = temp.File(".split");
        File.Copy(Fixture.Eval("heldout.safetensors"), hidden);
        var result = CliRun.Run(Greedy(temp, "--test", hidden, "--json", "-q"));
        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        Assert.All(json.RootElement.GetProperty("scores").EnumerateArray(),
            row => Assert.True(row.GetProperty("tests").TryGetProperty(".split", out _), row.ToString()));
    }
}
