using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Soups.Cli;

/// <summary>
/// What native code (libtorch, its OpenMP runtime) writes to the process's stderr, kept off the terminal: the file
/// descriptor becomes a pipe that a thread reads, and each distinct line is counted and reaches the user only through
/// the command's logger — libtorch's own warnings and notes once, at debug level with their count, when the command
/// ends (so 36,006 "Could not initialize NNPACK" lines are one line under <c>-v</c>); any other line as a warning when
/// first seen. Nothing native can so break the live display or flood a CI log. .NET's stderr writer holds a duplicate
/// of the original descriptor made before the switch (<see cref="Capture"/> makes sure of it), so soup's own lines
/// still go straight to the terminal.
/// </summary>
internal sealed partial class NativeStderr
{
    // Lines longer than this are cut, and messages past this many distinct ones are counted together.
    private const int MaxLine = 2000;
    private const int MaxDistinct = 500;
    private const string Others = "(other native lines)";

    private readonly ConcurrentDictionary<string, Entry> _messages = new(StringComparer.Ordinal);
    private readonly int _read;
    private readonly Lock _gate = new();
    private readonly List<byte> _line = [];
    private int _busy;

    private NativeStderr(int read) => _read = read;

    /// <summary>The capture of this process's stderr, when <see cref="Capture"/> made one.</summary>
    public static NativeStderr? Current { get; private set; }

    /// <summary>Where a line that is not one of libtorch's warnings or notes goes when first seen (the command's logger).</summary>
    public Action<string>? OnWarning { get; set; }

    /// <summary>
    /// Turns <paramref name="descriptor"/> (2 for the program) into a pipe read by this capture. Returns null, and
    /// changes nothing, where that cannot be done (not Linux, no pipe).
    /// </summary>
    public static NativeStderr? Capture(int descriptor = 2)
    {
        if (!OperatingSystem.IsLinux()) return null;
        if (descriptor == 2) _ = Console.Error; // made now, it writes to its own duplicate of the terminal's descriptor
        var pipe = new int[2];
        if (Native.pipe2(pipe, OCloexec) != 0) return null;
        if (Native.dup2(pipe[1], descriptor) < 0)
        {
            Native.close(pipe[0]);
            Native.close(pipe[1]);
            return null;
        }
        Native.close(pipe[1]);
        var capture = new NativeStderr(pipe[0]);
        new Thread(capture.Pump) { IsBackground = true, Name = "native stderr" }.Start();
        if (descriptor == 2) Current = capture;
        return capture;
    }

    /// <summary>
    /// Every distinct line seen so far with its count, after waiting (briefly) for what is still in the pipe; the
    /// counts start again from zero.
    /// </summary>
    public IReadOnlyList<NativeLine> Take()
    {
        for (var waited = 0; waited < 500 && (Pending() > 0 || Volatile.Read(ref _busy) != 0); waited += 5) Thread.Sleep(5);
        lock (_gate)
        {
            // A line the writer has not ended (yet): counted as it is.
            if (_line.Count > 0) Record(Encoding.UTF8.GetString(_line.ToArray()));
            _line.Clear();
        }
        var lines = new List<NativeLine>();
        foreach (var key in _messages.Keys.ToList())
            if (_messages.TryRemove(key, out var entry)) lines.Add(new NativeLine(key, entry.Note, entry.Count, entry.Order));
        return lines.OrderBy(l => l.Order).ToList();
    }

    private void Pump()
    {
        var buffer = new byte[1 << 16];
        while (true)
        {
            var read = Native.read(_read, buffer, buffer.Length);
            if (read <= 0)
            {
                if (read < 0 && Marshal.GetLastPInvokeError() == EIntr) continue;
                return; // every writer is gone
            }
            Volatile.Write(ref _busy, 1);
            try
            {
                lock (_gate)
                {
                    for (var i = 0; i < read; i++)
                    {
                        if (buffer[i] != (byte)'\n')
                        {
                            if (_line.Count < MaxLine) _line.Add(buffer[i]);
                            continue;
                        }
                        Record(Encoding.UTF8.GetString(_line.ToArray()));
                        _line.Clear();
                    }
                }
            }
            catch (Exception)
            {
                // Never let the reader die: a full pipe would block every native writer.
            }
            finally
            {
                Volatile.Write(ref _busy, 0);
            }
        }
    }

    private void Record(string text)
    {
        text = text.TrimEnd('\r', ' ');
        if (text.Length == 0) return;
        var note = false;
        if (LibTorchLine().Match(text) is { Success: true } match)
        {
            note = match.Groups[1].Value is "W" or "I";
            text = "libtorch: " + match.Groups[2].Value;
        }
        if (!_messages.ContainsKey(text) && _messages.Count >= MaxDistinct) text = Others;
        var first = false;
        var entry = _messages.AddOrUpdate(text, _ =>
        {
            first = true;
            return new Entry(note, 1, Interlocked.Increment(ref _order));
        }, (_, old) => old with { Count = old.Count + 1 });
        if (first && !entry.Note) OnWarning?.Invoke(text);
    }

    private static long _order;

    private int Pending() => Native.ioctl(_read, FionRead, out var bytes) == 0 ? bytes : 0;

    private sealed record Entry(bool Note, long Count, long Order);

    // c10's log lines: "[W1205 10:51:20.574624146 NNPACK.cpp:56] Could not initialize NNPACK! ..." (severity, date,
    // time, optionally a thread id, source location).
    [GeneratedRegex(@"^\[([WIEF])\d{4} [\d:.]+ (?:\d+ )?[^\]\s]+:\d+\] (.*)$")]
    private static partial Regex LibTorchLine();

    private const int OCloexec = 0x80000, EIntr = 4, FionRead = 0x541B;

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int pipe2(int[] fds, int flags);

        [DllImport("libc", SetLastError = true)]
        public static extern int dup2(int from, int to);

        [DllImport("libc", SetLastError = true)]
        public static extern int close(int fd);

        [DllImport("libc", SetLastError = true)]
        public static extern nint read(int fd, byte[] buffer, nint count);

        [DllImport("libc", SetLastError = true)]
        public static extern int ioctl(int fd, int request, out int value);
    }
}

/// <summary>One distinct line native code wrote to stderr, how often, and whether it was only a warning or note of libtorch's.</summary>
internal sealed record NativeLine(string Text, bool Note, long Count, long Order);
