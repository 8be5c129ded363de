namespace Soups.Strategies;

/// <summary>One point of a <see cref="ResultPlot"/> called out with a marker and a label, such as the α a strategy chose.</summary>
/// <param name="X">Where it is on the x axis.</param>
/// <param name="Y">Where it is on the y axis.</param>
/// <param name="Label">What the label says.</param>
public sealed record PlotMark(double X, double Y, string Label);
