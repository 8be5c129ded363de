namespace Soups.Strategies;

/// <summary>A titled table of text cells, for front ends to show as they like.</summary>
public sealed record ResultTable(string Title, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows)
{
    /// <summary>True when each row was told as a step while the strategy ran, so a live terminal has shown it already.</summary>
    public bool Live { get; init; }
}
