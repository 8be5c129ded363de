namespace Soups.Strategies;

/// <summary>
/// A soup strategy's definition: its name, what it needs, its parameters, and the plan that decides a soup. Everything
/// a front end shows of a strategy (a command, its options and help, its rows in a comparison, its report) comes from
/// here; <see cref="KnownStrategies"/> is the one list of them (issue #9).
/// </summary>
public interface ISoupStrategy
{
    /// <summary>The name: a command (<c>soup greedy</c>), a row of a comparison, the <c>strategy</c> of a report.</summary>
    string Name { get; }

    /// <summary>One sentence for help.</summary>
    string Summary { get; }

    /// <summary>What the run must provide.</summary>
    StrategyNeeds Needs { get; }

    /// <summary>How many ingredients it takes (the base not counted).</summary>
    (int Min, int Max) IngredientCount { get; }

    /// <summary>What each ingredient is, in order, when they are not alike (interpolation's A and B); empty when they are.</summary>
    IReadOnlyList<IngredientRole> Roles { get; }

    /// <summary>
    /// Its settings, one per name: its own parameters (another strategy may have one of the same name) and those of
    /// <see cref="SharedParameters"/> it takes; never another strategy's (<see cref="StrategyDefinitions"/>).
    /// </summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>
    /// The help text of one of its <see cref="Parameters"/>: the parameter's own, unless a parameter shared with another
    /// strategy behaves differently here (TIES-merging's default scale).
    /// </summary>
    string Describe(Parameter parameter);

    /// <summary>The pictures its results may hold (<see cref="StrategyResult.Plots"/>), by name: saved as <c>OUT.NAME.png</c>.</summary>
    IReadOnlyList<string> PlotNames { get; }

    /// <summary>The rows it adds to a comparison (usually one, under its name, with the parameters as given).</summary>
    IReadOnlyList<StrategyVariant> Variants { get; }

    /// <summary>Decides the soup of <c>context.Ingredients</c>: which ingredients, how much of each, by whatever arithmetic.</summary>
    SoupPlan Plan(PlanContext context, ParameterValues values);
}
