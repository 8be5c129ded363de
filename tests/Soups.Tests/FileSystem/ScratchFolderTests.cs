using Soups.FileSystem;

namespace Soups.Tests.FileSystem;

/// <summary>
/// Scratch folders are judged by their locks, not by process ids: a live run's folder survives another run's sweep
/// even when its pid means nothing here (another PID namespace sharing TMPDIR), and a dead run's folder goes.
/// </summary>
public class ScratchFolderTests
{
    [Fact]
    public void A_folder_whose_lock_is_held_is_kept_whatever_its_pid_and_one_whose_holder_died_is_removed()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var root = new TempFolder();
        // A run in another PID namespace: a pid that does not exist here, and its lock held (by this test, standing in for it).
        var foreign = root.File("soup-scratch-1-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(foreign);
        File.WriteAllText(Path.Combine(foreign, "fisher-0.safetensors"), "in use");
        var held = FileLock.CreateHeld(Path.Combine(foreign, ScratchFolder.LockName))!;
        // A run killed outright: its lock file is there, no one holds it; its pid is this very process's.
        var dead = root.File($"soup-scratch-{Environment.ProcessId}-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dead);
        File.WriteAllText(Path.Combine(dead, ScratchFolder.LockName), "");
        // Made in the instant before its lock (or by an older soup): kept while recent, removed once abandoned.
        var unlockedRecent = root.File("soup-scratch-2-" + Guid.NewGuid().ToString("N"));
        var unlockedOld = root.File("soup-scratch-3-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(unlockedRecent);
        Directory.CreateDirectory(unlockedOld);
        Directory.SetLastWriteTimeUtc(unlockedOld, DateTime.UtcNow.AddHours(-1));
        // Not a scratch folder at all, and a link posing as one that points at a folder to keep.
        var keep = root.File("keep");
        Directory.CreateDirectory(keep);
        File.WriteAllText(Path.Combine(keep, ScratchFolder.LockName), "");
        Directory.CreateSymbolicLink(root.File("soup-scratch-4-link"), keep);

        using (var mine = ScratchFolder.Create(root.PathName))
        {
            Assert.True(Directory.Exists(foreign));
            Assert.True(File.Exists(Path.Combine(foreign, "fisher-0.safetensors")));
            Assert.False(Directory.Exists(dead));
            Assert.True(Directory.Exists(unlockedRecent));
            Assert.False(Directory.Exists(unlockedOld));
            Assert.True(Directory.Exists(keep));
            Assert.True(Directory.Exists(mine.Path));
            // This run's own folder is in use while it lives: another run's sweep keeps it.
            using (var other = ScratchFolder.Create(root.PathName)) Assert.True(Directory.Exists(mine.Path));
            Assert.True(Directory.Exists(mine.Path));
        }
        held.Dispose(); // the foreign run ends without removing its folder (killed)
        using (ScratchFolder.Create(root.PathName)) Assert.False(Directory.Exists(foreign));
        Assert.True(File.Exists(Path.Combine(keep, ScratchFolder.LockName)));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("/etc/passwd")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData("a\\b")]
    [InlineData(ScratchFolder.LockName)]
    public void Only_plain_names_made_by_the_tool_are_taken(string name)
    {
        using var scratch = ScratchFolder.Create();
        Assert.Throws<ArgumentException>(() => scratch.File(name));
    }

    [SmallFileSystemFact]
    public void A_scratch_file_that_does_not_fit_is_a_clear_error_naming_it_and_leaves_nothing()
    {
        using var disk = new SmallFileSystem(256 * 1024);
        using var scratch = ScratchFolder.Create(disk.PathName);
        var upFront = Assert.Throws<OutputException>(() => scratch.Write("fisher-0.safetensors", 10L << 20, _ => { }));
        Assert.Equal(OutputProblem.NoSpace, upFront.Problem);
        Assert.Contains("fisher-0.safetensors", upFront.Message);
        Assert.Contains("set TMPDIR", upFront.Message);

        // The size was underestimated: the write itself fails, and the partial file is removed.
        var failed = Assert.Throws<OutputException>(() => scratch.Write("fisher-1.safetensors", 1, stream => stream.Write(new byte[1 << 20])));
        Assert.Equal(OutputProblem.WriteFailed, failed.Problem);
        Assert.Contains("No space left on device", failed.Message);
        Assert.Equal([ScratchFolder.LockName], Directory.GetFileSystemEntries(scratch.Path).Select(Path.GetFileName));
    }
}
