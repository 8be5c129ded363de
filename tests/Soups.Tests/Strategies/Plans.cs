using Soups.Baking;
using Soups.Checkpoints;
using Soups.Evaluation;
using Soups.Ingredients;
using Soups.Runs;
using Soups.Strategies;
using Soups.Strategies.BuiltIn;
using TorchSharp;

namespace Soups.Tests.Strategies;

/// <summary>Runs strategies' plans and bakes them in tests, without the command line.</summary>
internal static class Plans
{
    /// <summary>A plan context over <paramref name="set"/> (with an evaluator and split for strategies that need them).</summary>
    public static PlanContext Context(IngredientSet set, Evaluator? evaluator = null, IHeldOutSplit? split = null) =>
        new(set, torch.CPU, evaluator, split, [], CancellationToken.None);

    public static SoupPlan Uniform(IngredientSet set, IReadOnlyList<double>? weights = null) =>
        KnownStrategies.Uniform.Plan(Context(set), new UniformSoup.Options(weights));

    public static SoupPlan Greedy(IngredientSet set, Evaluator evaluator, IHeldOutSplit split, AcceptRule accept = AcceptRule.Greater,
        int passes = 1) =>
        KnownStrategies.Greedy.Plan(Context(set, evaluator, split), new GreedySoup.Options(accept, passes));

    /// <summary>Bakes <paramref name="plan"/> with the metadata a run writes.</summary>
    public static BakeResult Bake(IngredientSet set, SoupPlan plan, SoupOutput output) =>
        new SoupBaker(torch.CPU).Bake(set, plan.Merge, output, SoupRun.Metadata(plan, set));

    /// <summary>The uniform soup of <paramref name="inputs"/> (with <paramref name="weights"/>) written to <paramref name="output"/>.</summary>
    public static BakeResult BakeUniform(string[] inputs, string output, IReadOnlyList<double>? weights = null, torch.ScalarType? dtype = null)
    {
        using var set = IngredientSet.Open(inputs, ReadOptions.Default);
        return Bake(set, Uniform(set, weights), new SoupOutput(output, DType: dtype));
    }
}
