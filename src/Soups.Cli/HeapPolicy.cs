using System.Runtime.InteropServices;

namespace Soups.Cli;

/// <summary>
/// Keeps glibc from holding on to freed tensor memory. By default glibc raises its mmap threshold each time a large
/// block is freed, so later blocks of up to 32 MiB come from the heap, where they fragment: a merge that allocates and
/// frees per ingredient then grows with the number of ingredients (measured: TIES +27 MiB per added ingredient on a
/// 49M-parameter model). A fixed threshold of 16 MiB sends every large tensor to mmap, which returns it on free, and
/// peak memory stays flat in N (benchmarks/uniform-memory).
/// </summary>
internal static class HeapPolicy
{
    private const int MmapThreshold = -3; // M_MMAP_THRESHOLD

    public static void KeepLargeBlocksMapped()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            mallopt(MmapThreshold, 16 << 20);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // Not glibc: its allocator has its own policy.
        }
    }

    [DllImport("libc")]
    private static extern int mallopt(int param, int value);
}
