namespace Soups.Strategies;

/// <summary>
/// What a strategy needs from the run besides its ingredients. A model and held-out split may be given to any strategy
/// (the soup is then scored beside its baselines, and a strategy may use them, e.g. to choose a scale); these are what
/// it cannot do without.
/// </summary>
[Flags]
public enum StrategyNeeds
{
    /// <summary>Nothing more (uniform soup).</summary>
    None = 0,

    /// <summary>A model and a held-out split to evaluate on (greedy, learned).</summary>
    HeldOut = 1,

    /// <summary>The pretrained base the ingredients were fine-tuned from.</summary>
    Base = 2,
}
