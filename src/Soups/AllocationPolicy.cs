namespace Soups;

/// <summary>What the process is allocating for: merges (many model-sized blocks, freed per tensor or ingredient) or evaluation (the same activation blocks, batch after batch).</summary>
public enum AllocationPhase
{
    /// <summary>Merging tensors: large blocks should go back to the system when freed, so memory stays flat in N.</summary>
    Merging,

    /// <summary>Running a model over batches: activation blocks should be reused from batch to batch.</summary>
    Evaluating,
}

/// <summary>
/// Lets the host tune the native allocator per phase (issue #12). The CLI sends blocks over 16 MiB to mmap while
/// merging (freed blocks return to the system: peak memory flat in N) and over 32 MiB — glibc's own ceiling — while
/// evaluating: ResNet activations of 16–32 MiB per batch are then reused instead of being mapped and faulted in again
/// every batch, which cost `soup eval` 18 % against a bare TorchSharp loop (benchmarks/eval-overhead).
/// </summary>
public static class AllocationPolicy
{
    private static int _evaluating;

    /// <summary>Applies a phase (set by the host; null: nothing to tune).</summary>
    public static Action<AllocationPhase>? Apply { get; set; }

    /// <summary>Evaluating until disposed; nested scopes count.</summary>
    public static IDisposable Evaluating()
    {
        if (Interlocked.Increment(ref _evaluating) == 1) Apply?.Invoke(AllocationPhase.Evaluating);
        return new Scope();
    }

    private sealed class Scope : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
            if (Interlocked.Decrement(ref _evaluating) == 0) Apply?.Invoke(AllocationPhase.Merging);
        }
    }
}
