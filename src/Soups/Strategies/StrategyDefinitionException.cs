namespace Soups.Strategies;

/// <summary>
/// A strategy's definition breaks a rule of <see cref="StrategyDefinitions"/> (or a front end's, such as an option
/// name every command has). Not the user's doing: a mistake in the code that defines or registers the strategy.
/// </summary>
public sealed class StrategyDefinitionException(IReadOnlyList<string> problems)
    : Exception(problems.Count == 1 ? problems[0] : $"{problems[0]} (and {problems.Count - 1} more: {string.Join("; ", problems.Skip(1))})")
{
    /// <summary>Each problem, one sentence naming the strategy and the parameter.</summary>
    public IReadOnlyList<string> Problems { get; } = problems;
}
