namespace Soups.Strategies;

/// <summary>
/// What one ingredient is to a strategy whose ingredients are not alike (interpolation's two ends): front ends name
/// their arguments after it.
/// </summary>
/// <param name="Name">A short name: <c>A</c>, <c>B</c>.</param>
/// <param name="Description">One sentence for help.</param>
public sealed record IngredientRole(string Name, string Description);
