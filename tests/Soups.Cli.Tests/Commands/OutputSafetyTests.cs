using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Soups.FileSystem;

namespace Soups.Cli.Tests.Commands;

/// <summary>
/// Through the command line: nothing is written where it was not asked — not through a path the kernel cannot walk,
/// not into a FIFO or a device — and what is written describes one run, even when two runs race for it or the disk
/// fills up.
/// </summary>
public class OutputSafetyTests
{
    private static string[] Inputs => SmallSample.Ingredients;

    [Fact]
    public void An_output_through_a_missing_folder_and_dotdot_never_overwrites_the_input_beside_it()
    {
        using var temp = new TempFolder();
        var input = temp.File("a.safetensors");
        File.Copy(Inputs[0], input);
        var before = FileHash.Sha256(input);
        var result = CliRun.Run(["uniform", input, Inputs[1], "-o", temp.File("x/../a.safetensors"), "--force"]);
        CliAssert.OneErrorLine(result, "does not exist");
        Assert.Equal(before, FileHash.Sha256(input));
        Assert.Single(Directory.GetFileSystemEntries(temp.PathName));
    }

    [Fact]
    public void A_fifo_or_a_link_to_a_device_as_output_is_refused_with_force_and_left_as_it_is()
    {
        using var temp = new TempFolder();
        var fifo = temp.File("soup.safetensors");
        Assert.Equal(0, mkfifo(fifo, Convert.ToInt32("600", 8)));
        CliAssert.OneErrorLine(CliRun.Run(["uniform", .. Inputs.Take(2), "-o", fifo, "--force"]), "is a FIFO, not a regular file");
        Assert.Equal(FileType.Fifo, FileIdentity.TypeOf(fifo));

        var link = temp.File("null.safetensors");
        File.CreateSymbolicLink(link, "/dev/null");
        CliAssert.OneErrorLine(CliRun.Run(["uniform", .. Inputs.Take(2), "-o", link, "--force"]), "is a link to a character device");
        Assert.Equal(FileType.Link, FileIdentity.TypeOf(link, followLinks: false));
        Assert.Equal(FileType.CharacterDevice, FileIdentity.TypeOf("/dev/null"));
        Assert.Equal(2, Directory.GetFileSystemEntries(temp.PathName).Length);
    }

    [Fact]
    public void A_soup_name_too_long_for_its_report_is_refused_before_work_with_the_longest_that_fits()
    {
        using var temp = new TempFolder();
        var tooLong = temp.File(new string('s', 238) + ".safetensors"); // 250 bytes: legal, but not with ".report.json"
        CliAssert.OneErrorLine(CliRun.Run(["uniform", .. Inputs.Take(2), "-o", tooLong]), "choose a soup name of at most 243 bytes");
        Assert.Empty(Directory.GetFileSystemEntries(temp.PathName));

        var longest = temp.File(new string('s', 231) + ".safetensors"); // 243 bytes
        var result = CliRun.Run(["uniform", .. Inputs.Take(2), "-o", longest]);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.True(File.Exists(longest + ".report.json"));
    }

    [Fact]
    public async Task Two_force_runs_racing_for_one_output_leave_a_soup_and_a_report_of_the_same_run()
    {
        using var temp = new TempFolder();
        var soup = temp.File("soup.safetensors");
        for (var round = 0; round < 12; round++)
        {
            var runs = new[] { Inputs[1], Inputs[2] }.Select(other =>
                Task.Run(() => CliRun.Run(["uniform", Inputs[0], other, "-o", soup, "--force", "-q"]))).ToArray();
            foreach (var run in await Task.WhenAll(runs)) Assert.True(run.ExitCode == 0, run.Error);
            using var report = JsonDocument.Parse(File.ReadAllText(soup + ".report.json"));
            Assert.Equal(FileHash.Sha256(soup), report.RootElement.GetProperty("output").GetProperty("sha256").GetString());
            Assert.Equal(2, Directory.GetFileSystemEntries(temp.PathName).Length); // no temporary file left behind
        }
    }

    [SmallFileSystemFact]
    public void A_soup_larger_than_the_free_space_is_refused_before_any_work_and_nothing_is_left()
    {
        using var disk = new SmallFileSystem(128 * 1024);
        var result = CliRun.Run(["uniform", .. Inputs.Take(2), "-o", disk.File("soup.safetensors")]);
        CliAssert.OneErrorLine(result, "is free in", exitCode: 1);
        Assert.Contains("nothing was written", result.Error);
        Assert.Empty(Directory.GetFileSystemEntries(disk.PathName));
    }

    [SmallFileSystemFact]
    public void A_soup_that_fits_but_whose_report_does_not_leaves_neither_and_says_so()
    {
        using var temp = new TempFolder();
        Assert.Equal(0, CliRun.Run(["uniform", .. Inputs.Take(2), "-o", temp.File("probe.safetensors")]).ExitCode);
        var soupBytes = new FileInfo(temp.File("probe.safetensors")).Length;
        const long page = 4096;
        using var disk = new SmallFileSystem(soupBytes + 16 * page);
        disk.FillTo((soupBytes + page - 1) / page * page); // room for the soup's pages, none for the report
        var result = CliRun.Run(["uniform", .. Inputs.Take(2), "-o", disk.File("soup.safetensors")]);
        CliAssert.OneErrorLine(result, "nothing was written", exitCode: 1);
        Assert.Contains("No space left on device", result.Error);
        Assert.Equal([".filler"], Directory.GetFileSystemEntries(disk.PathName).Select(Path.GetFileName));
    }

    [SmallFileSystemFact]
    public void A_results_file_on_a_full_disk_is_a_clear_error_that_keeps_the_results_already_in_it()
    {
        using var disk = new SmallFileSystem(64 * 1024);
        var results = disk.File("evals.jsonl");
        var args = new[] { "eval", Fixture.Eval("digits_cnn_a.pt"), "--model", "digits-cnn", "--heldout", Fixture.Eval("heldout.safetensors"), "--results", results, "-q" };
        Assert.Equal(0, CliRun.Run(args).ExitCode);
        // Blank lines (which readers skip) up to a page boundary, so that the next record needs a page of its own.
        File.AppendAllText(results, new string('\n', (int)(4096 - new FileInfo(results).Length % 4096) % 4096));
        var kept = File.ReadAllText(results);
        disk.FillTo(0);
        var full = CliRun.Run([.. args.Select(a => a.Replace("digits_cnn_a", "digits_cnn_b", StringComparison.Ordinal))]);
        CliAssert.OneErrorLine(full, "cannot record this evaluation", exitCode: 1);
        Assert.Contains("evals.jsonl", full.Error);
        Assert.StartsWith(kept, File.ReadAllText(results));
    }

    [Fact]
    public void A_checkpoint_rewritten_in_place_with_its_time_set_back_is_hashed_and_scored_again()
    {
        using var temp = new TempFolder();
        var checkpoint = temp.File("ft.pt");
        File.Copy(Fixture.Eval("digits_cnn_a.pt"), checkpoint);
        var results = temp.File("evals.jsonl");
        string[] Eval() => ["eval", checkpoint, "--model", "digits-cnn", "--heldout", Fixture.Eval("heldout.safetensors"), "--results", results, "--json"];
        double Accuracy(CliResult run) => JsonDocument.Parse(run.Output).RootElement.GetProperty("results")[0].GetProperty("accuracy").GetDouble();

        var first = CliRun.Run(Eval());
        Assert.True(first.ExitCode == 0, first.Error);
        var modified = File.GetLastWriteTimeUtc(checkpoint);
        var other = File.ReadAllBytes(Fixture.Eval("digits_cnn_b.pt"));
        Assert.Equal(new FileInfo(checkpoint).Length, other.Length); // same size, other weights
        using (var stream = new FileStream(checkpoint, FileMode.Open, FileAccess.Write)) stream.Write(other);
        File.SetLastWriteTimeUtc(checkpoint, modified);

        var second = CliRun.Run(Eval());
        Assert.True(second.ExitCode == 0, second.Error);
        var reference = CliRun.Run(["eval", Fixture.Eval("digits_cnn_b.pt"), "--model", "digits-cnn", "--heldout", Fixture.Eval("heldout.safetensors"), "--json", "--no-cache"]);
        Assert.Equal(Accuracy(reference), Accuracy(second));
        Assert.NotEqual(Accuracy(first), Accuracy(second));
        var last = JsonDocument.Parse(File.ReadLines(results).Last()).RootElement;
        Assert.Equal(FileHash.Sha256(checkpoint), last.GetProperty("sha256").GetString());
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);
}
