using Soups.FileSystem;

namespace Soups.Tests.FileSystem;

/// <summary>Issue #8, class 4: files are compared by identity, not by how their paths are spelled.</summary>
public class FileIdentityTests
{
    [Fact]
    public void A_symlinked_folder_a_hard_link_and_a_dotted_path_are_the_same_file()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.File("real"));
        var file = temp.File("real/a.bin");
        File.WriteAllText(file, "x");
        Directory.CreateSymbolicLink(temp.File("link"), temp.File("real"));
        Assert.Equal(0, Native.link(file, temp.File("hard.bin")));
        var identity = FileIdentity.Of(file);
        Assert.NotNull(identity);
        Assert.Equal(identity, FileIdentity.Of(temp.File("link/a.bin")));
        Assert.Equal(identity, FileIdentity.Of(temp.File("hard.bin")));
        Assert.Equal(identity, FileIdentity.Of(temp.File("real/../real/./a.bin")));
        File.WriteAllText(temp.File("other.bin"), "x");
        Assert.NotEqual(identity, FileIdentity.Of(temp.File("other.bin")));
        Assert.Null(FileIdentity.Of(temp.File("missing.bin")));
    }

    [Fact]
    public void The_guard_refuses_an_output_that_is_an_input_by_another_name()
    {
        using var temp = new TempFolder();
        var file = temp.File("heldout.safetensors");
        File.WriteAllText(file, "x");
        Directory.CreateSymbolicLink(temp.File("alias"), temp.PathName);
        var guard = new InputGuard();
        guard.Add("held-out split", file);
        var error = Assert.ThrowsAny<SoupException>(() => guard.RequireNotAnInput(temp.File("alias/heldout.safetensors")));
        Assert.Contains("is the same file as the held-out split", error.Message);
        guard.RequireNotAnInput(temp.File("alias/new.safetensors")); // not there yet: fine
    }

    [Fact]
    public void Kinds_tell_files_folders_and_fifos_apart()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("f"), "x");
        Assert.Equal(0, Native.mkfifo(temp.File("p"), Convert.ToInt32("600", 8)));
        Assert.Equal(FileIdentity.Kind.File, FileIdentity.KindOf(temp.File("f")));
        Assert.Equal(FileIdentity.Kind.Folder, FileIdentity.KindOf(temp.PathName));
        Assert.Equal(FileIdentity.Kind.Other, FileIdentity.KindOf(temp.File("p")));
        Assert.Equal(FileIdentity.Kind.Missing, FileIdentity.KindOf(temp.File("none")));
    }

    internal static class Native
    {
        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int link(string from, string to);

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int mkfifo(string path, int mode);
    }
}
