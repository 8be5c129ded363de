namespace Soups.Strategies;

/// <summary>A strategy was asked to run without something it needs (a base checkpoint, a held-out split).</summary>
public sealed class StrategyNeedsException(string strategy, StrategyNeeds missing, string problem) : SoupException(problem)
{
    /// <summary>The strategy's name.</summary>
    public string Strategy { get; } = strategy;

    /// <summary>What is missing.</summary>
    public StrategyNeeds Missing { get; } = missing;
}
