using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Soups.FileSystem;

namespace Soups.Tests.FileSystem;

/// <summary>
/// An output is resolved once, as the kernel resolves it, and is only ever a regular file: the check and the write
/// name the same file however the path is spelled, and a FIFO, socket, device or a link to one is left as it is.
/// </summary>
public class OutputPathTests
{
    [Fact]
    public void A_climb_out_of_a_folder_that_does_not_exist_is_refused_instead_of_reaching_the_file_beside_it()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("a.safetensors"), "input");
        var path = temp.File("x/../a.safetensors"); // text normalisation would make this a.safetensors
        var error = Assert.Throws<OutputException>(() => AtomicFile.Create(path, overwrite: true));
        Assert.Equal(OutputProblem.NoFolder, error.Problem);
        Assert.Equal("input", File.ReadAllText(temp.File("a.safetensors")));

        Directory.CreateDirectory(temp.File("x"));
        Assert.Equal(temp.File("a.safetensors"), OutputPath.Resolve(path)); // once x exists, the kernel reaches it too
    }

    [Fact]
    public void The_folder_part_is_followed_through_links_and_the_name_is_kept()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.File("real"));
        Directory.CreateSymbolicLink(temp.File("alias"), temp.File("real"));
        Assert.Equal(Path.Combine(new DirectoryInfo(temp.File("real")).FullName, "soup.safetensors"),
            OutputPath.Resolve(temp.File("alias/soup.safetensors")));
        Assert.Equal(OutputProblem.IsFolder, Assert.Throws<OutputException>(() => OutputPath.Resolve(temp.File("real") + "/")).Problem);
        Assert.Equal(OutputProblem.IsFolder, Assert.Throws<OutputException>(() => OutputPath.Resolve(temp.File("real/.."))).Problem);
        File.WriteAllText(temp.File("file"), "x");
        Assert.Equal(OutputProblem.NoFolder, Assert.Throws<OutputException>(() => OutputPath.Resolve(temp.File("file/soup.safetensors"))).Problem);
    }

    [Fact]
    public void A_legal_name_of_255_bytes_is_written_and_a_longer_one_is_a_clear_error()
    {
        using var temp = new TempFolder();
        var legal = temp.File(new string('é', 120) + new string('s', 15)); // 255 bytes in UTF-8
        Assert.Equal(255, Encoding.UTF8.GetByteCount(Path.GetFileName(legal)));
        AtomicFile.WriteAll(legal, false, "done");
        Assert.Equal("done", File.ReadAllText(legal));

        var error = Assert.Throws<OutputException>(() => AtomicFile.WriteAll(legal + "x", false, "done"));
        Assert.Equal(OutputProblem.NameTooLong, error.Problem);
        Assert.Contains("256 bytes, over the 255 bytes this file system allows", error.Message);
        Assert.Single(Directory.GetFileSystemEntries(temp.PathName));
    }

    [Fact]
    public void A_fifo_a_socket_a_device_and_links_to_them_are_refused_and_left_as_they_are()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var temp = new TempFolder();
        var fifo = temp.File("pipe");
        Assert.Equal(0, mkfifo(fifo, Convert.ToInt32("600", 8)));
        var socketPath = temp.File("socket");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        var device = temp.File("null-link");
        File.CreateSymbolicLink(device, "/dev/null");
        var fifoLink = temp.File("pipe-link");
        File.CreateSymbolicLink(fifoLink, fifo);

        foreach (var (path, what) in new[]
                 {
                     (fifo, "is a FIFO"), (socketPath, "is a socket"), (device, "is a link to a character device"),
                     (fifoLink, "is a link to a FIFO"), ("/dev/null", "is a character device"),
                 })
        {
            var error = Assert.Throws<OutputException>(() => AtomicFile.Create(path, overwrite: true));
            Assert.Equal(OutputProblem.NotARegularFile, error.Problem);
            Assert.Contains(what, error.Message);
        }
        Assert.Equal(FileType.Fifo, FileIdentity.TypeOf(fifo));
        Assert.Equal(FileType.Socket, FileIdentity.TypeOf(socketPath));
        Assert.Equal(FileType.Link, FileIdentity.TypeOf(device, followLinks: false));
        Assert.Equal(FileType.CharacterDevice, FileIdentity.TypeOf("/dev/null"));
        Assert.Equal(4, Directory.GetFileSystemEntries(temp.PathName).Length); // no temporary file left either
    }

    [Fact]
    public void A_link_to_a_regular_file_is_replaced_by_the_new_file_and_its_target_is_untouched()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("target"), "old");
        File.CreateSymbolicLink(temp.File("soup.safetensors"), temp.File("target"));
        Assert.Equal(OutputProblem.Exists, Assert.Throws<OutputException>(() => AtomicFile.WriteAll(temp.File("soup.safetensors"), false, "new")).Problem);
        AtomicFile.WriteAll(temp.File("soup.safetensors"), true, "new");
        Assert.Equal("old", File.ReadAllText(temp.File("target")));
        Assert.Equal(FileType.File, FileIdentity.TypeOf(temp.File("soup.safetensors"), followLinks: false));
        Assert.Equal("new", File.ReadAllText(temp.File("soup.safetensors")));
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);
}
