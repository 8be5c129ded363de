using Soups.FileSystem;

namespace Soups.Tests.FileSystem;

/// <summary>Issue #8: outputs appear whole or not at all; temporary files never outlive a failure, a signal or a kill.</summary>
public class AtomicFileTests
{
    [Fact]
    public void A_failed_write_such_as_a_full_disk_is_one_clear_error_and_leaves_no_temporary_file()
    {
        using var temp = new TempFolder();
        var output = temp.File("soup.safetensors");
        var error = Assert.Throws<OutputException>(() =>
        {
            using var file = AtomicFile.Create(output, overwrite: false);
            file.Run(stream =>
            {
                stream.Write(new byte[1000]);
                throw new IOException("No space left on device : '" + file.TempPath + "'");
            });
            file.Commit();
        });
        Assert.Equal(OutputProblem.WriteFailed, error.Problem);
        Assert.Contains("No space left on device", error.Message);
        Assert.DoesNotContain(".tmp", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(temp.PathName));
    }

    [Fact]
    public void A_temporary_file_no_one_holds_is_removed_by_the_next_write_and_one_in_use_is_kept_whatever_its_pid()
    {
        using var temp = new TempFolder();
        var stale = temp.File($".soup.safetensors.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        // In use by a run whose pid means nothing here (another PID namespace): its lock is what counts.
        var alive = temp.File($".soup.safetensors.{FindDeadPid()}.{Guid.NewGuid():N}.tmp");
        var foreign = temp.File($".other.safetensors.{FindDeadPid()}.{Guid.NewGuid():N}.tmp");
        foreach (var f in new[] { stale, alive, foreign }) File.WriteAllText(f, "partial");
        using (var holder = new FileStream(alive, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            Assert.True(FileLock.TryShare(holder.SafeFileHandle));
            AtomicFile.WriteAll(temp.File("soup.safetensors"), false, "done");
            Assert.False(File.Exists(stale));
            Assert.True(File.Exists(alive));
            Assert.True(File.Exists(foreign)); // another output's: not ours to judge here
        }
        AtomicFile.WriteAll(temp.File("soup.safetensors"), true, "again");
        Assert.False(File.Exists(alive)); // its holder is gone
        Assert.True(File.Exists(foreign));
    }

    [Fact]
    public void A_sealed_output_can_be_read_by_path_before_it_is_published_and_is_still_in_use()
    {
        using var temp = new TempFolder();
        using var set = new OutputSet();
        var file = set.Create(temp.File("soup.safetensors"), overwrite: false);
        file.Stream.Write([1, 2, 3]);
        file.Seal();
        Assert.Equal([1, 2, 3], File.ReadAllBytes(file.TempPath));
        Assert.Null(FileLock.TryTake(file.TempPath));
        Assert.False(File.Exists(temp.File("soup.safetensors")));
        set.Publish();
        Assert.Equal([1, 2, 3], File.ReadAllBytes(temp.File("soup.safetensors")));
        Assert.Single(Directory.GetFileSystemEntries(temp.PathName));
    }

    [Fact]
    public void An_output_name_near_name_max_gets_a_legal_temporary_name()
    {
        using var temp = new TempFolder();
        var output = temp.File(new string('s', 240) + ".safetensors");
        AtomicFile.WriteAll(output, false, "done");
        Assert.Equal("done", File.ReadAllText(output));
        Assert.Single(Directory.GetFileSystemEntries(temp.PathName));
    }

    private static int FindDeadPid()
    {
        for (var pid = 4_000_000; pid > 1000; pid -= 7919)
            if (!Directory.Exists($"/proc/{pid}")) return pid;
        throw new InvalidOperationException("no free pid found");
    }
}

/// <summary>Runs alone: aborting every open output must not reach into other tests' outputs.</summary>
[CollectionDefinition(nameof(ProcessWide), DisableParallelization = true)]
public sealed class ProcessWide;

/// <summary><see cref="AtomicFile.AbortAll"/> acts on the whole process, so it is tested with nothing else running.</summary>
[Collection(nameof(ProcessWide))]
public class AtomicFileAbortTests
{
    [Fact]
    public void Abort_all_removes_open_temporary_files_and_a_later_commit_is_refused()
    {
        using var temp = new TempFolder();
        using var file = AtomicFile.Create(temp.File("soup.safetensors"), overwrite: false);
        file.Stream.Write(new byte[100]);
        Assert.True(File.Exists(file.TempPath));
        AtomicFile.AbortAll();
        Assert.False(File.Exists(file.TempPath));
        Assert.Throws<OperationCanceledException>(file.Commit);
        Assert.Empty(Directory.GetFileSystemEntries(temp.PathName));
    }
}
