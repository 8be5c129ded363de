namespace Soups.Strategies;

/// <summary>What a strategy needs from the run besides its ingredients.</summary>
[Flags]
public enum StrategyNeeds
{
    /// <summary>Nothing more (uniform soup).</summary>
    None = 0,

    /// <summary>A model and a held-out split to evaluate on (greedy, learned).</summary>
    HeldOut = 1,

    /// <summary>The pretrained base the ingredients were fine-tuned from.</summary>
    Base = 2,

    /// <summary>A model and a held-out split when given, not required (e.g. to choose a scale when none is fixed).</summary>
    OptionalHeldOut = 4,
}
