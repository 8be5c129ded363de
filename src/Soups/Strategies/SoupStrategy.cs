namespace Soups.Strategies;

/// <summary>
/// The usual shape of a strategy: parameters are read once into a typed, immutable <typeparamref name="TOptions"/>
/// record, and the plan works from that record (which callers in code can also build directly).
/// </summary>
public abstract class SoupStrategy<TOptions> : ISoupStrategy
{
    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public abstract string Summary { get; }

    /// <inheritdoc />
    public abstract StrategyNeeds Needs { get; }

    /// <inheritdoc />
    public abstract IReadOnlyList<Parameter> Parameters { get; }

    /// <inheritdoc />
    public virtual (int Min, int Max) IngredientCount => (1, int.MaxValue);

    /// <inheritdoc />
    public virtual IReadOnlyList<IngredientRole> Roles => [];

    /// <inheritdoc />
    public virtual string Describe(Parameter parameter) => parameter.Description;

    /// <inheritdoc />
    public virtual IReadOnlyList<string> PlotNames => [];

    /// <inheritdoc />
    public virtual IReadOnlyList<StrategyVariant> Variants => [new(Name, values => values)];

    /// <summary>The typed options for <paramref name="values"/>.</summary>
    public abstract TOptions Read(ParameterValues values);

    /// <summary>Decides the soup with <paramref name="options"/>.</summary>
    public abstract SoupPlan Plan(PlanContext context, TOptions options);

    /// <inheritdoc />
    public SoupPlan Plan(PlanContext context, ParameterValues values) => Plan(context, Read(values));
}
