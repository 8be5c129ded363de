using Soups.Strategies.BuiltIn;

namespace Soups.Strategies;

/// <summary>
/// The one table of strategies. Each is a command (<c>soup NAME</c>), rows of <c>soup compare</c>, and a report: a new
/// strategy is one new file in <c>BuiltIn/</c> and one line here (a property, and its place in <see cref="All"/>).
/// </summary>
public static class KnownStrategies
{
    /// <summary>The uniform soup.</summary>
    public static UniformSoup Uniform { get; } = new();

    /// <summary>The greedy soup.</summary>
    public static GreedySoup Greedy { get; } = new();

    /// <summary>The learned soup (by model or by layer).</summary>
    public static LearnedSoup Learned { get; } = new();

    /// <summary>Interpolation between two checkpoints (WiSE-FT, the basin check).</summary>
    public static InterpolateSoup Interpolate { get; } = new();

    /// <summary>Model Stock.</summary>
    public static ModelStockSoup ModelStock { get; } = new();

    /// <summary>Task arithmetic.</summary>
    public static TaskArithmeticSoup TaskArithmetic { get; } = new();

    /// <summary>TIES-merging.</summary>
    public static TiesSoup Ties { get; } = new();

    /// <summary>The exhaustive (or beam) search over subsets: greedy soup's upper bound.</summary>
    public static SearchSoup Search { get; } = new();

    /// <summary>Fisher-weighted averaging.</summary>
    public static FisherSoup Fisher { get; } = new();

    /// <summary>Every strategy, in the order commands and comparisons list them.</summary>
    public static IReadOnlyList<ISoupStrategy> All { get; } = [Uniform, Greedy, Learned, Interpolate, ModelStock, TaskArithmetic, Ties, Fisher, Search];

    /// <summary>The strategy named <paramref name="name"/>, or null.</summary>
    public static ISoupStrategy? Named(string name) => All.FirstOrDefault(s => s.Name == name);
}
