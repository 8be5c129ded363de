using System.Runtime.InteropServices;
using System.Text;

namespace Soups.Cli.Tests;

/// <summary>
/// What native code writes to stderr is counted and handed to the logger, never passed through: libtorch's warnings
/// once with their count, anything else as a warning when first seen.
/// </summary>
public class NativeStderrTests
{
    [Fact]
    public void Native_lines_are_counted_by_message_and_only_unknown_ones_are_warnings()
    {
        if (!OperatingSystem.IsLinux()) return;
        // A descriptor of this test's own (the program captures 2): what it points to must never see a byte.
        var sink = Path.GetTempFileName();
        var descriptor = open(sink, 1 /* O_WRONLY */, 0);
        Assert.True(descriptor > 2);
        try
        {
            var capture = NativeStderr.Capture(descriptor)!;
            var warnings = new List<string>();
            capture.OnWarning = warnings.Add;
            for (var i = 0; i < 3000; i++)
                Write(descriptor, $"[W1205 10:51:{i % 60:00}.{i:000000000} NNPACK.cpp:56] Could not initialize NNPACK! Reason: Unsupported hardware.\n");
            // libgomp writes its message in three pieces; a line is only a line at its newline.
            Write(descriptor, "\nlibgomp: ");
            Write(descriptor, "Invalid value for environment variable OMP_NUM_THREADS");
            Write(descriptor, "\n");
            Write(descriptor, "[E1205 10:51:20.574624146 12345 Module.cpp:1] something failed\n");
            Write(descriptor, "unfinished");

            var lines = capture.Take();
            Assert.Equal(
            [
                ("libtorch: Could not initialize NNPACK! Reason: Unsupported hardware.", true, 3000L),
                ("libgomp: Invalid value for environment variable OMP_NUM_THREADS", false, 1L),
                ("libtorch: something failed", false, 1L),
                ("unfinished", false, 1L),
            ], lines.Select(l => (l.Text, l.Note, l.Count)));
            Assert.Equal(["libgomp: Invalid value for environment variable OMP_NUM_THREADS", "libtorch: something failed", "unfinished"], warnings);
            Assert.Empty(capture.Take()); // counted once
            Assert.Equal(0, new FileInfo(sink).Length);
        }
        finally
        {
            close(descriptor);
            File.Delete(sink);
        }
    }

    private static void Write(int descriptor, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        Assert.Equal(bytes.Length, (int)write(descriptor, bytes, bytes.Length));
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", SetLastError = true)]
    private static extern nint write(int fd, byte[] buffer, nint count);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
}
