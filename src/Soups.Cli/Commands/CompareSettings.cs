using System.CommandLine;
using Soups.Cli.Usage;
using Soups.Runs;
using Soups.Strategies;
using Soups.Strategies.BuiltIn;

namespace Soups.Cli.Commands;

/// <summary>
/// <c>soup compare --set KEY=VALUE</c> (repeatable): the strategies' settings, each addressed to its strategy, so two
/// strategies may each have a setting of one name. KEY is <c>STRATEGY.SETTING</c> (<c>ties.density</c>,
/// <c>learned.epochs</c>), or <c>SETTING</c> alone for a parameter declared in <see cref="SharedParameters"/>, which then
/// goes to every strategy that takes it (<c>scales</c>: task arithmetic and TIES); a strategy's own key wins over the
/// shared one. Values are read and checked as the strategy's own command reads them, when the command line is parsed.
/// A setting every row of a strategy fixes (learned's <c>granularity</c>) is not offered.
/// </summary>
internal sealed class CompareSettings
{
    /// <summary>The option's name.</summary>
    public const string Name = "--set";

    private readonly IReadOnlyList<ISoupStrategy> _strategies;

    public CompareSettings(IReadOnlyList<ISoupStrategy> strategies)
    {
        _strategies = strategies;
        Option = new Option<string[]>(Name)
        {
            Description = Describe(strategies),
            HelpName = "STRATEGY.SETTING=VALUE",
            AllowMultipleArgumentsPerToken = false,
        };
        Option.Validators.Add(result =>
        {
            if (Resolve(result.Tokens.Select(t => t.Value).ToList()).Problem is { } problem) result.AddError(problem);
        });
    }

    public Option<string[]> Option { get; }

    /// <summary>Each strategy's values, for those given any.</summary>
    public IReadOnlyDictionary<ISoupStrategy, ParameterValues> Read(ParseResult parse)
    {
        var (values, problem) = Resolve(parse.GetValue(Option) ?? []);
        return problem is null ? values : throw new UsageException(problem); // the validator has refused it already
    }

    // The parameters of a strategy a comparison takes: those not fixed by every one of its rows.
    private static IEnumerable<Parameter> Offered(ISoupStrategy strategy) =>
        strategy.Parameters.Where(p => !strategy.Variants.All(v => v.Fixes.Contains(p)));

    private (Dictionary<ISoupStrategy, ParameterValues> Values, string? Problem) Resolve(IReadOnlyList<string> texts)
    {
        var shared = new List<(string Key, Parameter Parameter, string Text)>();
        var own = new List<(string Key, ISoupStrategy Strategy, Parameter Parameter, string Text)>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            var at = text.IndexOf('=');
            if (at <= 0) return ([], $"{Name}: expected STRATEGY.SETTING=VALUE, got '{text}'");
            var (key, value) = (text[..at], text[(at + 1)..]);
            if (!keys.Add(key)) return ([], $"{Name} {key}: given twice");
            var dot = key.IndexOf('.');
            if (dot < 0)
            {
                if (Shared(key) is not { } parameter) return ([], $"{Name} {key}: {NotShared(key)}");
                shared.Add((key, parameter, value));
                continue;
            }
            var (strategyName, setting) = (key[..dot], key[(dot + 1)..]);
            if (_strategies.FirstOrDefault(s => s.Name == strategyName) is not { } strategy)
                return ([], $"{Name} {key}: {UnknownStrategy(strategyName, setting)}");
            if (Offered(strategy).FirstOrDefault(p => p.Name == setting) is not { } ownParameter)
                return ([], $"{Name} {key}: {UnknownSetting(strategy, setting)}");
            own.Add((key, strategy, ownParameter, value));
        }

        var values = new Dictionary<ISoupStrategy, ParameterValues>();
        foreach (var strategy in _strategies)
        {
            var offered = Offered(strategy).ToList();
            var given = shared.Where(s => offered.Contains(s.Parameter))
                .Concat(own.Where(o => o.Strategy == strategy).Select(o => (o.Key, o.Parameter, o.Text))).ToList();
            if (given.Count == 0) continue;
            var current = ParameterValues.Defaults;
            foreach (var (key, parameter, text) in given)
            {
                try
                {
                    current = current.WithText(parameter, text);
                }
                catch (OptionException e)
                {
                    return ([], $"{Name} {key}={text}: {e.Problem}");
                }
            }
            values[strategy] = current;
        }
        return (values, null);
    }

    private Parameter? Shared(string name) =>
        SharedParameters.All.FirstOrDefault(p => p.Name == name && _strategies.Any(s => Offered(s).Contains(p)));

    private string NotShared(string name)
    {
        var owners = _strategies.Where(s => Offered(s).Any(p => p.Name == name)).Select(s => $"{s.Name}.{name}").ToList();
        if (owners.Count == 1) return $"only {owners[0].Split('.')[0]} has it: write {owners[0]}=VALUE";
        if (owners.Count > 1)
            return $"{Join(owners.Select(o => o.Split('.')[0]).ToList(), "and")} each have their own: write {Join(owners, "or")}";
        var nearest = Suggestions.Nearest(name, AllNames());
        if (nearest.Count > 0) return $"no strategy has a setting '{name}'{Suggestions.DidYouMean(nearest.Select(Key).ToList())}";
        var shared = SharedNames();
        return $"no strategy has a setting '{name}' (write STRATEGY.SETTING=VALUE" +
               (shared.Count > 0 ? $"; shared settings: {Join(shared, "and")})" : ")");
    }

    private string UnknownStrategy(string name, string setting)
    {
        if (_strategies.FirstOrDefault(s => s.Variants.Any(v => v.Name == name)) is { } owner)
            return $"{name} is a row of {owner.Name}: write {owner.Name}.{setting} (it applies to each row of {owner.Name})";
        if (name is ComparisonRun.Ensemble or ComparisonRun.GreedyEnsemble)
            return "the ensembles have no settings of their own (the greedy ensemble keeps an ingredient by " +
                   $"{KnownStrategies.Greedy.Name}.{GreedySoup.Accept.Name})";
        var nearest = Suggestions.Nearest(name, _strategies.Select(s => s.Name));
        return $"unknown strategy '{name}'" + (nearest.Count > 0 ? Suggestions.DidYouMean(nearest)
            : $" (strategies: {string.Join(", ", _strategies.Select(s => s.Name))})");
    }

    private string UnknownSetting(ISoupStrategy strategy, string setting)
    {
        var offered = Offered(strategy).Select(p => p.Name).ToList();
        if (strategy.Parameters.Any(p => p.Name == setting))
            return strategy.Variants.Count == 1
                ? $"{strategy.Name}'s row in a comparison sets {setting} itself"
                : $"each of {strategy.Name}'s rows in a comparison ({string.Join(", ", strategy.Variants.Select(v => v.Name))}) " +
                  $"sets {setting} itself";
        if (offered.Count == 0) return $"{strategy.Name} has no settings";
        var nearest = Suggestions.Nearest(setting, offered);
        var others = _strategies.Where(s => s != strategy && Offered(s).Any(p => p.Name == setting)).Select(s => s.Name).ToList();
        return $"{strategy.Name} has no setting '{setting}'" + (nearest.Count > 0 ? Suggestions.DidYouMean(nearest)
            : others.Count > 0 ? $" ({Join(others, "and")} {(others.Count == 1 ? "has" : "have")} it)"
            : $" (its settings: {string.Join(", ", offered)})");
    }

    // Every setting's name, for suggestions: each is offered as its key (shared: alone; else STRATEGY.SETTING).
    private IEnumerable<string> AllNames() => _strategies.SelectMany(Offered).Select(p => p.Name).Distinct();

    private string Key(string name) => Shared(name) is not null ? name
        : string.Join(" or ", _strategies.Where(s => Offered(s).Any(p => p.Name == name)).Select(s => $"{s.Name}.{name}"));

    private List<string> SharedNames() =>
        SharedParameters.All.Where(p => _strategies.Any(s => Offered(s).Contains(p))).Select(p => p.Name).ToList();

    private static string Describe(IReadOnlyList<ISoupStrategy> strategies)
    {
        var text = "A strategy's setting, STRATEGY.SETTING=VALUE, as its own command takes it (soup STRATEGY --help), " +
                   "e.g. ties.density=0.5";
        var shared = SharedParameters.All
            .Select(p => (p.Name, Takers: string.Join(", ", strategies.Where(s => Offered(s).Contains(p)).Select(s => s.Name))))
            .Where(x => x.Takers.Length > 0)
            .GroupBy(x => x.Takers, x => x.Name)
            .Select(g => $"{string.Join(", ", g)} ({g.Key})")
            .ToList();
        if (shared.Count > 0)
            text += $"; or SETTING=VALUE for every strategy that takes a shared setting: {string.Join("; ", shared)}; " +
                    "STRATEGY.SETTING wins";
        text += ". Repeatable";
        if (strategies.Contains(KnownStrategies.Greedy))
            text += $"; {KnownStrategies.Greedy.Name}.{GreedySoup.Accept.Name} is also the greedy ensemble's rule";
        return text + ".";
    }

    private static string Join(IReadOnlyList<string> words, string last) =>
        words.Count == 1 ? words[0] : $"{string.Join(", ", words.Take(words.Count - 1))} {last} {words[^1]}";
}
