using System.Runtime.InteropServices;

namespace Soups.FileSystem;

/// <summary>
/// An exclusive advisory lock (<c>flock</c>) on a file or folder, held while this object lives. Whether a run is still
/// alive is judged by its locks, never by its process id: a run in another PID namespace that shares the folder
/// (a container, a shared node) has a pid this process cannot see, but its locks are visible wherever the file is,
/// and the kernel drops them when the holder dies, even by SIGKILL.
/// </summary>
public sealed class FileLock : IDisposable
{
    private const int ORdonly = 0x0, OCreat = 0x40, OExcl = 0x80, ORdwr = 0x2, ONonblock = 0x800, OCloexec = 0x80000;
    private const int LockSh = 1, LockEx = 2, LockNb = 4;
    private const int EIntr = 4;
    private int _descriptor;

    private FileLock(int descriptor) => _descriptor = descriptor;

    /// <summary>
    /// Creates <paramref name="path"/> (which must not exist) and locks it, for an owner that marks a folder as in use.
    /// Returns null where locks are not available (not Linux).
    /// </summary>
    public static FileLock? CreateHeld(string path)
    {
        if (!Available) return null;
        var descriptor = Native.open(path, ORdwr | OCreat | OExcl | OCloexec, Convert.ToInt32("600", 8));
        if (descriptor < 0) throw new IOException($"cannot create {path} ({Marshal.GetLastPInvokeErrorMessage()})");
        if (!Flock(descriptor, LockEx | LockNb))
        {
            Native.close(descriptor);
            throw new IOException($"cannot lock {path}, which was just created");
        }
        return new FileLock(descriptor);
    }

    /// <summary>
    /// Locks the regular file or folder <paramref name="path"/> if no one holds it: null when it is held, missing, a
    /// link or anything else (a FIFO is opened without blocking and let go). Whoever gets the lock may remove what it guards.
    /// </summary>
    public static FileLock? TryTake(string path)
    {
        if (!Available || FileIdentity.TypeOf(path, followLinks: false) is not (FileType.File or FileType.Folder)) return null;
        var descriptor = Native.open(path, ORdonly | ONonblock | OCloexec, 0);
        if (descriptor < 0) return null;
        var held = new FileLock(descriptor);
        // Opened what the check saw (not a link swapped in since), and no one else holds it.
        if (!held.StillAt(path) || !Flock(descriptor, LockEx | LockNb))
        {
            held.Dispose();
            return null;
        }
        return held;
    }

    /// <summary>Waits for the lock on the folder <paramref name="folder"/> (held by other runs only for a few renames).</summary>
    public static FileLock? Take(string folder)
    {
        if (!Available) return null;
        var descriptor = Native.open(folder, ORdonly | OCloexec, 0);
        if (descriptor < 0) throw new IOException($"cannot open the folder {folder} ({Marshal.GetLastPInvokeErrorMessage()})");
        if (!Flock(descriptor, LockEx))
        {
            var reason = Marshal.GetLastPInvokeErrorMessage();
            Native.close(descriptor);
            throw new IOException($"cannot lock the folder {folder} ({reason})");
        }
        return new FileLock(descriptor);
    }

    /// <summary>
    /// Marks the open file <paramref name="handle"/> as in use with a shared lock (readers, which .NET gives shared
    /// locks, may still open it by path; a sweep for unused files, which needs an exclusive one, cannot take it).
    /// False when someone holds it exclusively.
    /// </summary>
    public static bool TryShare(SafeHandle handle) => !Available || Flock((int)handle.DangerousGetHandle(), LockSh | LockNb);

    /// <summary>True when <paramref name="path"/> (not followed if a link) still names the file this lock is on.</summary>
    public bool StillAt(string path) => Same(_descriptor, path);

    /// <summary>True when <paramref name="path"/> (not followed if a link) names the open file <paramref name="handle"/>.</summary>
    public static bool Names(SafeHandle handle, string path) => !Available || Same((int)handle.DangerousGetHandle(), path);

    /// <inheritdoc />
    public void Dispose()
    {
        var descriptor = Interlocked.Exchange(ref _descriptor, -1);
        if (descriptor >= 0) Native.close(descriptor); // closing the last descriptor lets the lock go
    }

    private static bool Same(int descriptor, string path)
    {
        if (FileIdentity.TypeOf(path, followLinks: false) is not (FileType.File or FileType.Folder)) return false;
        return FileIdentity.OfDescriptor(descriptor) is { } held && FileIdentity.Of(path) is { } named && held == named;
    }

    private static bool Flock(int descriptor, int operation)
    {
        while (true)
        {
            if (Native.flock(descriptor, operation) == 0) return true;
            // EWOULDBLOCK: another holds it; anything else: no lock either.
            if (Marshal.GetLastPInvokeError() != EIntr) return false;
        }
    }

    private static bool Available => OperatingSystem.IsLinux();

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

        [DllImport("libc", SetLastError = true)]
        public static extern int flock(int fd, int operation);

        [DllImport("libc", SetLastError = true)]
        public static extern int close(int fd);
    }
}
