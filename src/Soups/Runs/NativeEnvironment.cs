using System.Runtime.InteropServices;

namespace Soups.Runs;

/// <summary>
/// Settings that native libraries read from the environment once, when they load: a front end calls
/// <see cref="Prepare"/> first thing, before anything loads libtorch. What a user set is never changed.
/// </summary>
public static class NativeEnvironment
{
    /// <summary>Sets what is not set yet (see the comments inside for why each).</summary>
    public static void Prepare()
    {
        if (!OperatingSystem.IsLinux()) return;
        // libtorch's OpenMP threads that finish their share early spin (libgomp: 300,000 rounds) waiting for the rest.
        // On a busy machine (a CI runner, a shared node) the spinning threads take the cores the working ones need:
        // with two busy processes beside it on 2 cores, a Fisher soup took 2.2x as long with the default threads as
        // with --threads 1, and as long when waiting passively, which sleeps at once (benchmarks/busy-threads); idle,
        // passive waiting was no slower. GOMP_SPINCOUNT, when given, says how the user wants it.
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is null && Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is null)
            setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
    }

    // The process's own environment (Environment.SetEnvironmentVariable changes only .NET's copy, which native code never reads).
    [DllImport("libc", SetLastError = true)]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
