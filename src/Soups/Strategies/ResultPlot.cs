namespace Soups.Strategies;

/// <summary>A chart of a strategy's findings (an interpolation curve, the subsets of a search): one line or point cloud per series.</summary>
/// <param name="Name">Its file name part: <c>OUT.NAME.png</c>.</param>
/// <param name="Title">The chart's title.</param>
/// <param name="XLabel">What the x axis shows.</param>
/// <param name="YLabel">What the y axis shows.</param>
/// <param name="Series">The lines.</param>
public sealed record ResultPlot(string Name, string Title, string XLabel, string YLabel, IReadOnlyList<PlotSeries> Series)
{
    /// <summary>Points called out with a label (the α or λ a strategy chose).</summary>
    public IReadOnlyList<PlotMark> Marks { get; init; } = [];

    /// <summary>True when x takes only whole values (a subset's size): the axis then has whole-number ticks only.</summary>
    public bool WholeX { get; init; }
}

/// <summary>One line (or cloud of points) of a <see cref="ResultPlot"/>.</summary>
public sealed record PlotSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y)
{
    /// <summary>False for points only (a scatter plot).</summary>
    public bool Line { get; init; } = true;

    /// <summary>The markers' size in pixels.</summary>
    public float MarkerSize { get; init; } = 6;

    /// <summary>Outline markers (rings) that leave what lies under them visible.</summary>
    public bool Hollow { get; init; }
}
