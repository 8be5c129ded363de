using Soups.Evaluation;

namespace Soups.Cli;

/// <summary>Named test splits that are disposed together.</summary>
internal sealed class SplitList(IEnumerable<(string Name, IHeldOutSplit Split)> splits) : IDisposable
{
    public IReadOnlyList<(string Name, IHeldOutSplit Split)> Splits { get; } = splits.ToList();

    public void Dispose()
    {
        foreach (var (_, split) in Splits) split.Dispose();
    }
}
