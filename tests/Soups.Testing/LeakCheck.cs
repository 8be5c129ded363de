using TorchSharp;
using Xunit;

namespace Soups.Testing;

/// <summary>
/// Counts the tensors alive on this thread before and after a piece of work (TorchSharp's dispose-scope statistics):
/// every tensor the code under test creates must be disposed by the time it returns (issue #8).
/// </summary>
public static class LeakCheck
{
    public static long LiveTensors => DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;

    /// <summary>Runs <paramref name="work"/> and asserts it left no tensor alive; returns its result.</summary>
    public static T NoLeaks<T>(Func<T> work)
    {
        var before = LiveTensors;
        var result = work();
        var after = LiveTensors;
        Assert.True(after == before, $"{after - before} tensor(s) leaked");
        return result;
    }

    /// <summary>Runs <paramref name="work"/> and asserts it left no tensor alive.</summary>
    public static void NoLeaks(Action work) => NoLeaks(() =>
    {
        work();
        return 0;
    });
}
