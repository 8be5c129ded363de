namespace Soups.Souping;

/// <summary>
/// The uniform soup (Wortsman et al. 2022, section 3): the plain mean of all ingredients, or a weighted mean when
/// weights are given.
/// </summary>
public sealed class UniformSoup : ISoupStrategy
{
    private readonly IReadOnlyList<double>? _weights;

    /// <summary>Creates the strategy; <paramref name="weights"/> (one per ingredient) make it a weighted mean.</summary>
    public UniformSoup(IReadOnlyList<double>? weights = null)
    {
        if (weights != null) SoupMixer.CheckWeights(weights);
        _weights = weights;
    }

    /// <inheritdoc />
    public string Name => "uniform";

    /// <inheritdoc />
    public SoupRecipe Plan(IngredientSet ingredients, CancellationToken cancellation)
    {
        if (_weights != null && _weights.Count != ingredients.Count)
            throw new SoupException($"--weights has {_weights.Count} value(s) for {ingredients.Count} checkpoint(s)");
        var weights = _weights ?? Enumerable.Repeat(1.0, ingredients.Count).ToArray();
        return new SoupRecipe(Name, weights);
    }
}
