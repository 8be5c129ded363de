namespace Soups.Strategies;

/// <summary>
/// What a strategy found (greedy's steps, learned coefficients, an interpolation curve): one record type per strategy,
/// written to reports and JSON as it is. <see cref="Tables"/> offers it to front ends as plain tables, so one printer
/// shows every strategy.
/// </summary>
public abstract record StrategyResult
{
    /// <summary>One line saying what was decided.</summary>
    public abstract string Summary();

    /// <summary>The findings as tables (may be none).</summary>
    public virtual IReadOnlyList<ResultTable> Tables() => [];

    /// <summary>The findings as pictures (may be none); each is saved beside the soup as <c>OUT.NAME.png</c>.</summary>
    public virtual IReadOnlyList<ResultPlot> Plots() => [];
}
