using Soups.Tests.FileSystem;

namespace Soups.Tests.Engine;

/// <summary>The allocator hook is process-wide, so these run alone.</summary>
[Collection(nameof(ProcessWide))]
public class AllocationPolicyTests
{
    [Fact]
    public void Evaluation_scopes_switch_the_phase_once_and_back_when_the_outermost_ends()
    {
        var seen = new List<AllocationPhase>();
        var previous = AllocationPolicy.Apply;
        AllocationPolicy.Apply = seen.Add;
        try
        {
            using (AllocationPolicy.Evaluating())
            {
                var inner = AllocationPolicy.Evaluating();
                inner.Dispose();
                inner.Dispose(); // a second dispose changes nothing
                Assert.Equal([AllocationPhase.Evaluating], seen);
            }
            Assert.Equal([AllocationPhase.Evaluating, AllocationPhase.Merging], seen);
        }
        finally
        {
            AllocationPolicy.Apply = previous;
        }
    }
}
