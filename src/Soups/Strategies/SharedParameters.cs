namespace Soups.Strategies;

/// <summary>
/// The parameters several strategies take on purpose, declared here once (as dotnet/sdk's <c>CommonOptions</c>): every
/// other parameter belongs to the one strategy that lists it, and two strategies may each have their own of one name.
/// A shared parameter means one thing wherever it is listed (a strategy may word its help, <see cref="ISoupStrategy.Describe"/>),
/// so <c>soup compare --set NAME=VALUE</c> may set it for every strategy compared that takes it.
/// <see cref="StrategyDefinitions"/> refuses a parameter listed by two strategies that is not declared here, and a
/// strategy's own parameter named as one of these.
/// </summary>
public static class SharedParameters
{
    /// <summary>A fixed scale λ of the task vectors (task arithmetic, TIES-merging).</summary>
    public static readonly Parameter<double?> Scale = new("scale", null,
        "The scale λ of the task vectors. Without it, λ is chosen on the held-out split from --scales, which needs --model " +
        "and --heldout.")
    {
        Check = v => v is null || double.IsFinite(v.Value) ? null : "must be a finite number",
    };

    /// <summary>The scales λ tried on the held-out split when none is fixed (task arithmetic, TIES-merging).</summary>
    public static readonly Parameter<Grid> Scales = Grid.Parameter("scales", "0:1:0.05",
        "The scales λ tried on the held-out split when --scale is not given: a list or a range START:STOP:STEP.",
        double.IsFinite);

    /// <summary>Every shared parameter.</summary>
    public static IReadOnlyList<Parameter> All { get; } = [Scale, Scales];
}
