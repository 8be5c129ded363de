namespace Soups.Souping;

/// <summary>A way of choosing how much of each ingredient goes into the soup (uniform, greedy, learned, ...).</summary>
public interface ISoupStrategy
{
    /// <summary>The strategy's name as the CLI and reports spell it.</summary>
    string Name { get; }

    /// <summary>Decides the recipe for <paramref name="ingredients"/>, which are already known to be compatible.</summary>
    SoupRecipe Plan(IngredientSet ingredients, CancellationToken cancellation);
}
