using System.Runtime.ExceptionServices;

namespace Soups;

/// <summary>
/// Parallel loops whose failure is the failure of one iteration, as thrown (issue #8: one clear error): an
/// <see cref="AggregateException"/> from <see cref="Parallel"/> would otherwise reach the user as an unexpected failure.
/// </summary>
public static class Threads
{
    private static int _count;

    /// <summary>
    /// The CPU threads a run computes with: <c>--threads</c> when given, else one per processor. The managed loops use
    /// it without loading libtorch; libtorch gets the same number when it is loaded (<c>ComputeDevice</c>).
    /// </summary>
    public static int Count
    {
        get => _count > 0 ? _count : Environment.ProcessorCount;
        set => _count = value;
    }

    /// <summary><see cref="Parallel.For(long, long, ParallelOptions, Action{long})"/>, rethrowing the first iteration's exception.</summary>
    public static void For(long from, long to, int threads, Action<long> body)
    {
        // One iteration (a tiny tensor's only chunk) runs on the calling thread: Parallel.For's set-up would cost more
        // than the work, a million times over for a checkpoint of a million tiny tensors.
        if (to - from <= 1 || threads <= 1)
        {
            for (var i = from; i < to; i++) body(i);
            return;
        }
        Unwrap(() => Parallel.For(from, to, Options(threads), body));
    }

    private static ParallelOptions Options(int threads) => new() { MaxDegreeOfParallelism = Math.Max(1, threads) };

    private static void Unwrap(Action loop)
    {
        try
        {
            loop();
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }
}
