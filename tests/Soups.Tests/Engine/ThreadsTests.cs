namespace Soups.Tests.Engine;

public class ThreadsTests
{
    [Fact]
    public void A_failing_iteration_is_rethrown_as_itself_not_wrapped()
    {
        var error = Assert.Throws<InputException>(() =>
            Threads.For(0, 100, 2, i =>
            {
                if (i == 37) throw new InputException("file.safetensors", "file ends inside tensor 'w' (truncated?)");
            }));
        Assert.Equal("file.safetensors: file ends inside tensor 'w' (truncated?)", error.Message);
        Assert.Throws<IOException>(() => Threads.For(0, 10, 2, _ => throw new IOException("disk")));
    }

    [Fact]
    public void Every_iteration_runs_once()
    {
        var hits = new int[1000];
        Threads.For(0, hits.Length, 2, i => Interlocked.Increment(ref hits[i]));
        Assert.All(hits, h => Assert.Equal(1, h));
    }
}
