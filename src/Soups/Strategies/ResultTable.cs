namespace Soups.Strategies;

/// <summary>A titled table of text cells, for front ends to show as they like.</summary>
public sealed record ResultTable(string Title, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows);
