using System.Runtime.InteropServices;

namespace Soups.Cli;

/// <summary>
/// Keeps glibc from holding on to freed tensor memory. By default glibc raises its mmap threshold each time a large
/// block is freed, so later blocks of up to 32 MiB come from the heap, where they fragment: a merge that allocates and
/// frees per ingredient then grows with the number of ingredients (measured: TIES +27 MiB per added ingredient on a
/// 49M-parameter model). A fixed threshold of 16 MiB sends every large tensor to mmap, which returns it on free, and
/// peak memory stays flat in N (benchmarks/uniform-memory). Evaluation gets glibc's own ceiling back (see below).
/// </summary>
internal static class HeapPolicy
{
    private const int MmapThreshold = -3; // M_MMAP_THRESHOLD

    public static void KeepLargeBlocksMapped()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            mallopt(MmapThreshold, MergingThreshold);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return; // Not glibc: its allocator has its own policy.
        }
        // While a model runs over batches, its activation blocks (16–32 MiB for a ResNet at batch 32) are reused from
        // the heap, as glibc's default policy would after the first batch (issue #12: 18 % of `soup eval` went to
        // mapping them afresh every batch).
        Soups.AllocationPolicy.Apply = phase =>
            mallopt(MmapThreshold, phase == Soups.AllocationPhase.Evaluating ? EvaluatingThreshold : MergingThreshold);
    }

    private const int MergingThreshold = 16 << 20;
    private const int EvaluatingThreshold = 32 << 20; // glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit

    [DllImport("libc")]
    private static extern int mallopt(int param, int value);
}
