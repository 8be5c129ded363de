using System.Runtime.InteropServices;
using System.Text;

namespace Soups.FileSystem;

/// <summary>
/// Where an output really goes, found the way the kernel finds it when the file is written: the folder part is
/// resolved by the file system (links and <c>..</c> followed only where the folders exist), then the name is added.
/// Text normalisation would turn <c>x/../a</c> into <c>a</c> even when there is no <c>x</c>, so the check and the
/// write could name different files; resolving once and using that one path for both cannot.
/// </summary>
public static class OutputPath
{
    /// <summary>Longest file name assumed where the file system does not say (Linux's NAME_MAX).</summary>
    public const int DefaultNameMax = 255;

    /// <summary>
    /// The absolute path <paramref name="path"/> writes to: its real folder, then its name. Throws an
    /// <see cref="OutputException"/> when there is no such folder, the path names a folder, or the name is longer
    /// than the file system allows.
    /// </summary>
    public static string Resolve(string path)
    {
        if (string.IsNullOrEmpty(path)) throw new OutputException(path, OutputProblem.Empty, "the output path is empty");
        if (path.Contains('\0')) throw new OutputException(path, OutputProblem.CannotCreate, "the path holds a NUL character");
        var slash = path.LastIndexOf('/');
        var name = path[(slash + 1)..];
        var folder = slash < 0 ? "." : slash == 0 ? "/" : path[..slash];
        if (name is "" or "." or "..")
            throw new OutputException(path, OutputProblem.IsFolder, Directory.Exists(path) ? "is a folder" : "names a folder, not a file");
        var real = RealFolder(path, folder);
        var bytes = Encoding.UTF8.GetByteCount(name);
        var limit = NameMax(real);
        if (bytes > limit)
            throw new OutputException(path, OutputProblem.NameTooLong,
                $"the file name is {bytes} bytes, over the {limit} bytes this file system allows");
        return real == "/" ? "/" + name : real + "/" + name;
    }

    /// <summary>The longest file name, in bytes, the file system holding <paramref name="folder"/> allows.</summary>
    public static int NameMax(string folder) => FileSystemSpace.Of(folder) is { NameMax: > 0 and < 65536 } space ? (int)space.NameMax : DefaultNameMax;

    private static string RealFolder(string path, string folder)
    {
        if (!OperatingSystem.IsLinux())
        {
            var full = Path.GetFullPath(folder);
            return Directory.Exists(full) ? full : throw new OutputException(path, OutputProblem.NoFolder, $"folder {folder} does not exist");
        }
        var resolved = Native.realpath(folder, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            var reason = Marshal.GetLastPInvokeErrorMessage();
            throw new OutputException(path, OutputProblem.NoFolder,
                FileIdentity.TypeOf(folder) is FileType.Missing ? $"folder {folder} does not exist" : $"cannot reach folder {folder} ({reason})");
        }
        try
        {
            var real = Marshal.PtrToStringUTF8(resolved)!;
            if (FileIdentity.TypeOf(real) != FileType.Folder)
                throw new OutputException(path, OutputProblem.NoFolder, $"{folder} is not a folder");
            return real;
        }
        finally
        {
            Native.free(resolved);
        }
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern IntPtr realpath([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

        [DllImport("libc")]
        public static extern void free(IntPtr pointer);
    }
}
