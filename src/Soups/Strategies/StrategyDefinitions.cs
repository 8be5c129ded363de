using System.Text.RegularExpressions;

namespace Soups.Strategies;

/// <summary>
/// The rules a strategy's definition keeps, so that front ends can build on any registered strategy without a second
/// look: names a command line can carry (lower case, digits and dashes), one parameter per name within a strategy,
/// defaults that pass their own checks, and parameters shared between strategies only when declared in
/// <see cref="SharedParameters"/>. A test holds <see cref="KnownStrategies"/> to them; front ends check before they build.
/// </summary>
public static partial class StrategyDefinitions
{
    /// <summary>What is wrong with <paramref name="strategy"/> on its own, one sentence each (none when it is sound).</summary>
    public static IReadOnlyList<string> Problems(ISoupStrategy strategy)
    {
        var problems = new List<string>();
        var name = strategy.Name;
        void Add(string problem) => problems.Add($"strategy '{name}': {problem}");
        if (!IsName(name)) Add("its name must be lower-case letters, digits and dashes, starting with a letter");
        if (string.IsNullOrWhiteSpace(strategy.Summary)) Add("it has no summary for help");
        var (min, max) = strategy.IngredientCount;
        if (min < 1 || max < min) Add($"its ingredient count ({min} to {max}) must be at least 1 and its maximum no less than its minimum");

        foreach (var parameter in strategy.Parameters)
        {
            var own = $"parameter '{parameter.Name}'";
            if (!IsName(parameter.Name)) Add($"{own}: a name must be lower-case letters, digits and dashes, starting with a letter");
            if (string.IsNullOrWhiteSpace(parameter.Description)) Add($"{own} has no description for help");
            if (DefaultProblem(parameter) is { } wrong) Add($"{own}: its default {wrong}");
            if (SharedParameters.All.FirstOrDefault(s => s.Name == parameter.Name) is { } shared && shared != parameter)
                Add($"{own} has the name of the shared parameter; list SharedParameters' '{shared.Name}' or choose another name");
        }
        foreach (var twice in strategy.Parameters.GroupBy(p => p.Name).Where(g => g.Count() > 1))
            Add($"parameter '{twice.Key}' is listed {twice.Count()} times; a strategy's parameters need one name each");

        foreach (var variant in strategy.Variants)
        {
            if (!IsName(variant.Name)) Add($"its comparison row '{variant.Name}' needs a name of lower-case letters, digits and dashes");
            foreach (var fixedParameter in variant.Fixes.Where(p => !strategy.Parameters.Contains(p)))
                Add($"its comparison row '{variant.Name}' sets parameter '{fixedParameter.Name}', which is not one of its parameters");
        }
        if (strategy.Variants.Count == 0) Add("it has no comparison row (Variants is empty)");
        return problems;
    }

    /// <summary>
    /// What is wrong with <paramref name="strategies"/> as one registry: each one's <see cref="Problems(ISoupStrategy)"/>,
    /// then names used twice and parameters shared without being declared shared.
    /// </summary>
    public static IReadOnlyList<string> Problems(IReadOnlyList<ISoupStrategy> strategies)
    {
        var problems = strategies.SelectMany(Problems).ToList();
        foreach (var twice in strategies.GroupBy(s => s.Name).Where(g => g.Count() > 1))
            problems.Add($"strategy '{twice.Key}' is registered {twice.Count()} times");
        var rows = strategies.SelectMany(s => s.Variants.Select(v => (Strategy: s, Row: v.Name)));
        foreach (var twice in rows.GroupBy(r => r.Row).Where(g => g.Select(r => r.Strategy).Distinct().Count() > 1))
            problems.Add($"comparison row '{twice.Key}' belongs to " +
                         string.Join(" and ", twice.Select(r => $"'{r.Strategy.Name}'").Distinct()));
        var owners = strategies.SelectMany(s => s.Parameters.Distinct().Select(p => (Strategy: s, Parameter: p)))
            .GroupBy(x => x.Parameter)
            .Where(g => g.Count() > 1 && !SharedParameters.All.Contains(g.Key));
        foreach (var shared in owners)
        {
            var names = shared.Select(x => $"'{x.Strategy.Name}'").ToList();
            problems.Add($"strategy {names[^1]}: parameter '{shared.Key.Name}' is the one of {string.Join(" and ", names.SkipLast(1))}; " +
                         "declare a parameter several strategies take in SharedParameters, or give each strategy its own");
        }
        return problems;
    }

    /// <summary>Throws <see cref="StrategyDefinitionException"/> listing every problem of <paramref name="strategies"/>.</summary>
    public static void Require(IReadOnlyList<ISoupStrategy> strategies)
    {
        var problems = Problems(strategies);
        if (problems.Count > 0) throw new StrategyDefinitionException(problems);
    }

    /// <summary>True for a name a command line can carry as <c>--NAME</c> and as <c>STRATEGY.NAME</c>.</summary>
    public static bool IsName(string? name) => name is not null && NamePattern().IsMatch(name);

    [GeneratedRegex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]
    private static partial Regex NamePattern();

    private static string? DefaultProblem(Parameter parameter)
    {
        var check = new DefaultCheck();
        parameter.Accept(check);
        return check.Problem;
    }

    private sealed class DefaultCheck : IParameterVisitor
    {
        public string? Problem { get; private set; }

        public void Visit<T>(Parameter<T> parameter)
        {
            if (parameter.Check?.Invoke(parameter.Default) is { } problem) Problem = problem;
            else if (parameter.Choices is { } choices && !choices.Contains(parameter.DefaultText)) Problem = "is not one of its choices";
        }
    }
}
