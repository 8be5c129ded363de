using Soups.FileSystem;

namespace Soups.Tests.FileSystem;

/// <summary>Issue #12: input hashes remembered by file identity and times, never for a changed or unsettled file.</summary>
public class HashCacheTests
{
    [Fact]
    public void A_settled_files_hash_is_remembered_and_a_changed_file_is_hashed_again()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var temp = new TempFolder();
        var folder = temp.File("cache");
        var file = temp.File("ingredient.bin");
        File.WriteAllBytes(file, [1, 2, 3, 4]);
        // Just written: not settled, so hashed (correctly) but not remembered.
        Assert.Equal(FileHash.Sha256(file), HashCache.Sha256(file, folder));
        Assert.False(Directory.Exists(folder) && Directory.EnumerateFiles(folder).Any());

        WaitUntilSettled(file);
        var hash = HashCache.Sha256(file, folder);
        Assert.Equal(FileHash.Sha256(file), hash);
        var entry = Assert.Single(Directory.GetFiles(folder));
        Assert.Equal(hash, HashCache.Sha256(file, folder));

        // The entry is what answers: a forged hash in it is returned while the file is unchanged ...
        var forged = new string('f', 64);
        File.WriteAllText(entry, File.ReadAllText(entry).Replace(hash, forged, StringComparison.Ordinal));
        Assert.Equal(forged, HashCache.Sha256(file, folder));
        // ... and any write to the file (here same size, same modification time set back) makes it stale.
        var modified = File.GetLastWriteTimeUtc(file);
        File.WriteAllBytes(file, [4, 3, 2, 1]);
        File.SetLastWriteTimeUtc(file, modified);
        Assert.Equal(FileHash.Sha256(file), HashCache.Sha256(file, folder));
    }

    [Fact]
    public void A_torn_or_foreign_entry_is_ignored()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var temp = new TempFolder();
        var folder = temp.File("cache");
        var file = temp.File("ingredient.bin");
        File.WriteAllBytes(file, [9, 9, 9]);
        WaitUntilSettled(file);
        HashCache.Sha256(file, folder);
        var entry = Assert.Single(Directory.GetFiles(folder));
        var text = File.ReadAllText(entry);
        foreach (var bad in new[] { text[..(text.Length / 2)], "", "garbage", text.Replace("soup-sha256-1", "soup-sha256-0", StringComparison.Ordinal) })
        {
            File.WriteAllText(entry, bad);
            Assert.Equal(FileHash.Sha256(file), HashCache.Sha256(file, folder));
        }
    }

    [Fact]
    public async Task A_fifo_a_huge_file_a_link_or_another_users_file_as_an_entry_is_ignored_never_read()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var temp = new TempFolder();
        var folder = temp.File("cache");
        var file = temp.File("ingredient.bin");
        File.WriteAllBytes(file, [7, 7, 7]);
        WaitUntilSettled(file);
        var hash = HashCache.Sha256(file, folder);
        var entry = Assert.Single(Directory.GetFiles(folder));
        var text = File.ReadAllText(entry);
        var forged = text.Replace(hash, new string('f', 64), StringComparison.Ordinal);

        File.Delete(entry);
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [entry])) mkfifo.WaitForExit();
        Assert.Equal(FileType.Fifo, FileIdentity.TypeOf(entry));
        var read = Task.Run(() => HashCache.Sha256(file, folder));
        Assert.True(await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(30))) == read, "a FIFO entry blocked the hash cache");
        Assert.Equal(hash, await read);

        File.Delete(entry);
        using (var huge = new FileStream(entry, FileMode.CreateNew)) huge.SetLength(1L << 30); // sparse: a 1 GB entry
        Assert.Equal(hash, HashCache.Sha256(file, folder)); // ignored unread (and replaced by a good entry)

        File.Delete(entry);
        var elsewhere = temp.File("elsewhere");
        File.WriteAllText(elsewhere, forged);
        File.CreateSymbolicLink(entry, elsewhere);
        Assert.Equal(hash, HashCache.Sha256(file, folder));
        Assert.Equal(forged, File.ReadAllText(elsewhere)); // the link was replaced, never written through

        if (Environment.UserName != "root") return; // changing an entry's owner needs root
        File.Delete(entry);
        File.WriteAllText(entry, forged);
        using (var chown = System.Diagnostics.Process.Start("chown", ["12345", entry])) chown.WaitForExit();
        Assert.Equal(hash, HashCache.Sha256(file, folder));
    }

    [Fact]
    public void Without_a_usable_folder_files_are_simply_hashed()
    {
        using var temp = new TempFolder();
        var file = temp.File("ingredient.bin");
        File.WriteAllBytes(file, [5]);
        Assert.Equal(FileHash.Sha256(file), HashCache.Sha256(file, null));
        var notAFolder = temp.File("plain-file");
        File.WriteAllText(notAFolder, "x");
        Assert.Equal(FileHash.Sha256(file), HashCache.Sha256(file, Path.Combine(notAFolder, "hashes")));
    }

    [Theory]
    [InlineData("/c", "/x", "/home/u", "/c/hashes")]
    [InlineData("off", "/x", "/home/u", null)]
    [InlineData("OFF", null, null, null)]
    [InlineData(null, "/x", "/home/u", "/x/soup/hashes")]
    [InlineData("", "relative", "/home/u", "/home/u/.cache/soup/hashes")]
    [InlineData(null, null, null, null)]
    public void The_folder_follows_soup_cache_dir_then_xdg_then_home(string? soup, string? xdg, string? home, string? expected) =>
        Assert.Equal(expected, HashCache.FolderFrom(soup, xdg, home));

    // A file counts as settled once its change time is SettledSeconds behind the clock.
    private static void WaitUntilSettled(string file)
    {
        var changed = FileStamp.Of(file)!.Value.ChangedUnixNs / 1_000_000;
        var wait = changed + HashCache.SettledSeconds * 1000 + 50 - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (wait > 0) Thread.Sleep(TimeSpan.FromMilliseconds(wait));
    }
}
