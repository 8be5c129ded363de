using System.Runtime.InteropServices;

namespace Soups.FileSystem;

/// <summary>
/// Appends bytes to a file with one <c>write</c> on a descriptor opened with <c>O_APPEND</c>: the kernel places each
/// write at the end of the file as it is then, so concurrent appenders never write over one another. Elsewhere (no
/// libc), falls back to an exclusive lock around seek-and-write.
/// </summary>
public static class AppendOnly
{
    private const int OWronly = 0x1, OCreat = 0x40, OAppend = 0x400, OCloexec = 0x80000;

    /// <summary>Appends <paramref name="bytes"/> to <paramref name="path"/> (created if missing) and flushes it to disk.</summary>
    public static void Write(string path, byte[] bytes)
    {
        if (OperatingSystem.IsLinux())
        {
            var fd = Native.open(path, OWronly | OCreat | OAppend | OCloexec, Convert.ToInt32("644", 8));
            if (fd < 0) throw new IOException($"cannot open it for appending: {Marshal.GetLastPInvokeErrorMessage()}");
            try
            {
                // Regular files take the whole buffer in one write unless the disk fills up.
                var written = Native.write(fd, bytes, bytes.Length);
                if (written != bytes.Length)
                    throw new IOException(written < 0 ? Marshal.GetLastPInvokeErrorMessage() : $"only {written} of {bytes.Length} bytes were written");
                if (Native.fsync(fd) != 0) throw new IOException(Marshal.GetLastPInvokeErrorMessage());
            }
            finally
            {
                Native.close(fd);
            }
            return;
        }
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.None);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

        [DllImport("libc", SetLastError = true)]
        public static extern nint write(int fd, byte[] buffer, nint count);

        [DllImport("libc", SetLastError = true)]
        public static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        public static extern int close(int fd);
    }
}
