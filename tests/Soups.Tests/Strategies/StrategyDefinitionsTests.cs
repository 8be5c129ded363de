using Soups.Strategies;
using Soups.Strategies.BuiltIn;

namespace Soups.Tests.Strategies;

/// <summary>
/// The rules every strategy's definition keeps (so a front end can build on any of them), held for the registry, and
/// each broken rule told in one sentence naming the strategy and the parameter.
/// </summary>
public class StrategyDefinitionsTests
{
    private sealed class Defined(string name, IReadOnlyList<Parameter> parameters) : SoupStrategy<object>
    {
        public override string Name => name;

        public override string Summary => "A test strategy.";

        public override StrategyNeeds Needs => StrategyNeeds.None;

        public override IReadOnlyList<Parameter> Parameters => parameters;

        public IReadOnlyList<StrategyVariant>? Rows { get; init; }

        public override IReadOnlyList<StrategyVariant> Variants => Rows ?? base.Variants;

        public override object Read(ParameterValues values) => values;

        public override SoupPlan Plan(PlanContext context, object options) => throw new NotSupportedException();
    }

    private static readonly Parameter<int> Seed = Parameter.Integer("seed", 0, "A seed.", 0, 9);

    [Fact]
    public void Every_registered_strategy_keeps_the_rules()
    {
        var problems = StrategyDefinitions.Problems(KnownStrategies.All);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Task_arithmetic_and_ties_share_their_scales_declared_once_and_nothing_else_is_shared()
    {
        foreach (var strategy in new ISoupStrategy[] { KnownStrategies.TaskArithmetic, KnownStrategies.Ties })
            Assert.Subset(strategy.Parameters.ToHashSet(), SharedParameters.All.ToHashSet());
        var sharedByIdentity = KnownStrategies.All.SelectMany(s => s.Parameters.Distinct())
            .GroupBy(p => p).Where(g => g.Count() > 1).Select(g => g.Key);
        Assert.Subset(SharedParameters.All.ToHashSet(), sharedByIdentity.ToHashSet());
    }

    [Fact]
    public void Two_strategies_may_each_have_a_parameter_of_one_name()
    {
        ISoupStrategy[] strategies =
        [
            new Defined("alpha", [Parameter.Integer("seed", 0, "Alpha's seed.", 0, 9)]),
            new Defined("beta", [Parameter.Integer("seed", 0, "Beta's seed.", 0, 9)]),
            KnownStrategies.Learned,
        ];
        Assert.Empty(StrategyDefinitions.Problems(strategies));
    }

    public static TheoryData<string, string> Broken() => new()
    {
        { "twice", "strategy 'one': parameter 'seed' is listed 2 times" },
        { "same name", "strategy 'one': parameter 'seed' is listed 2 times" },
        { "bad name", "strategy 'one': parameter 'my seed': a name must be lower-case letters, digits and dashes" },
        { "dotted name", "strategy 'one': parameter 'a.b': a name must be lower-case letters" },
        { "bad strategy name", "strategy 'One': its name must be lower-case letters" },
        { "no description", "strategy 'one': parameter 'quiet' has no description for help" },
        { "bad default", "strategy 'one': parameter 'rate': its default must be a finite number >= 1, got 0" },
        { "borrowed", "strategy 'two': parameter 'seed' is the one of 'one'; declare a parameter several strategies take in Shared" },
        { "own scale", "strategy 'one': parameter 'scale' has the name of the shared parameter" },
        { "foreign fix", "strategy 'one': its comparison row 'one-fixed' sets parameter 'seed', which is not one of its parameters" },
        { "registered twice", "strategy 'one' is registered 2 times" },
        { "row of another", "comparison row 'two' belongs to 'one' and 'two'" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void A_broken_rule_is_one_sentence_naming_the_strategy_and_the_parameter(string broken, string expected)
    {
        IReadOnlyList<ISoupStrategy> strategies = broken switch
        {
            "twice" => [new Defined("one", [Seed, Seed])],
            "same name" => [new Defined("one", [Seed, Parameter.Integer("seed", 1, "Another seed.", 0, 9)])],
            "bad name" => [new Defined("one", [Parameter.Integer("my seed", 0, "A seed.", 0, 9)])],
            "dotted name" => [new Defined("one", [Parameter.Integer("a.b", 0, "A seed.", 0, 9)])],
            "bad strategy name" => [new Defined("One", [])],
            "no description" => [new Defined("one", [new Parameter<bool>("quiet", false, " ")])],
            "bad default" => [new Defined("one", [Parameter.Number("rate", 0, "A rate.", 1)])],
            "borrowed" => [new Defined("one", [Seed]), new Defined("two", [Seed])],
            "own scale" => [new Defined("one", [Parameter.Number("scale", 1, "My own scale.", 0)])],
            "foreign fix" => [new Defined("one", []) { Rows = [new("one-fixed", v => v.With(Seed, 1)) { Fixes = [Seed] }] }],
            "registered twice" => [new Defined("one", []), new Defined("one", [])],
            "row of another" => [new Defined("one", []) { Rows = [new("one", v => v), new("two", v => v)] }, new Defined("two", [])],
            _ => throw new ArgumentException(broken),
        };
        var problems = StrategyDefinitions.Problems(strategies);
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
        var error = Assert.Throws<StrategyDefinitionException>(() => StrategyDefinitions.Require(strategies));
        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Settings_given_as_text_are_read_and_checked_as_the_parameter_reads_them()
    {
        var values = ParameterValues.Defaults.WithText(TiesSoup.Density, "0.5").WithText(SharedParameters.Scales, "0:1:0.5");
        Assert.Equal(0.5, values.Get(TiesSoup.Density));
        Assert.Equal([0, 0.5, 1], values.Get(SharedParameters.Scales).Values);
        Assert.Null(values.WithText(SharedParameters.Scale, "").Get(SharedParameters.Scale));
        Assert.Equal("must lie in (0, 1], got 2", Assert.Throws<OptionException>(() => values.WithText(TiesSoup.Density, "2")).Problem);
        Assert.Equal("expected an integer, got '1.5'",
            Assert.Throws<OptionException>(() => values.WithText(LearnedSoup.Epochs, "1.5")).Problem);
    }
}
