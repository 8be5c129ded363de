namespace Soups.Strategies;

/// <summary>A named setting of a strategy's parameters, shown as its own row when strategies are compared.</summary>
/// <param name="Name">The row's name (and its soup's file name).</param>
/// <param name="Apply">Sets the variant's parameters over the values given.</param>
public sealed record StrategyVariant(string Name, Func<ParameterValues, ParameterValues> Apply)
{
    /// <summary>The parameters the variant sets, whatever was given (a comparison does not offer them).</summary>
    public IReadOnlyList<Parameter> Fixes { get; init; } = [];

    /// <summary>True for a costly variant that a comparison runs only when named in its list (<c>--strategies</c>).</summary>
    public bool OnlyWhenNamed { get; init; }
}
