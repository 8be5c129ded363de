using Soups.Evaluation;

namespace Soups.Cli;

/// <summary>Named test splits that are disposed together.</summary>
internal sealed class SplitList(IEnumerable<(string Name, IHeldOutSplit Split)> splits) : IDisposable
{
    private readonly List<(string Name, IHeldOutSplit Split)> _splits = splits.ToList();

    public IReadOnlyList<(string Name, IHeldOutSplit Split)> Splits => _splits;

    public void Add(string name, IHeldOutSplit split) => _splits.Add((name, split));

    public void Dispose()
    {
        foreach (var (_, split) in _splits) split.Dispose();
    }
}
