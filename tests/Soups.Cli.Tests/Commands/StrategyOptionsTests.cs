using System.Text.Json;
using Soups.Baking;
using Soups.Strategies;

namespace Soups.Cli.Tests.Commands;

/// <summary>
/// A strategy's options are its own: two registered strategies may each have a setting of one name, every command
/// reads its own, compare takes each as STRATEGY.SETTING; and a definition that breaks a rule is one error line, never
/// a crash of every command.
/// </summary>
public class StrategyOptionsTests
{
    /// <summary>The uniform mean, under any name and with any parameters, reporting the settings it was given.</summary>
    private sealed class SettingsSoup(string name, params Parameter[] parameters) : SoupStrategy<IReadOnlyDictionary<string, string>>
    {
        public sealed record Result(IReadOnlyDictionary<string, string> Given) : StrategyResult
        {
            public override string Summary() => "the mean, with " + string.Join(", ", Given.Select(g => $"{g.Key} {g.Value}"));
        }

        public override string Name => name;

        public override string Summary => $"Bake the mean ({name}).";

        public override StrategyNeeds Needs => StrategyNeeds.None;

        public override IReadOnlyList<Parameter> Parameters => parameters;

        public override IReadOnlyDictionary<string, string> Read(ParameterValues values) => values.Describe(Parameters);

        public override SoupPlan Plan(PlanContext context, IReadOnlyDictionary<string, string> given) =>
            new(Name, $"{name} soup", new WeightedMean(Enumerable.Repeat(1.0, context.Ingredients.Count).ToArray()), new Result(given));
    }

    private static SettingsSoup Seeded(string name) => new(name, Parameter.Integer("seed", 0, $"Seed of {name}.", 0, 1000));

    private static CliResult Run(IReadOnlyList<ISoupStrategy> strategies, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = SoupCli.RunAsync(strategies, args, output, error).GetAwaiter().GetResult();
        return new CliResult(code, output.ToString(), error.ToString());
    }

    private static string[] Evaluation => ["--model", "digits-cnn", "--heldout", Fixture.Eval("heldout.safetensors"), "--no-cache"];

    [Fact]
    public void Two_strategies_with_a_seed_each_start_and_each_command_reads_its_own()
    {
        ISoupStrategy[] strategies = [.. KnownStrategies.All, Seeded("alpha"), Seeded("beta")]; // and learned's own seed
        var help = Run(strategies, "--help");
        Assert.True(help.ExitCode == 0, help.Error);
        Assert.Contains("alpha", help.Output);
        Assert.Contains("Seed of alpha.", Run(strategies, "alpha", "--help").Output);
        Assert.Contains("Seed of beta.", Run(strategies, "beta", "--help").Output);
        Assert.Contains("Seed of the batch shuffling.", Run(strategies, "learned", "--help").Output);

        using var temp = new TempFolder();
        var (a, b) = (Fixture.Eval("digits_cnn_a.pt"), Fixture.Eval("digits_cnn_b.pt"));
        foreach (var (name, seed) in new[] { ("alpha", 3), ("beta", 4) })
        {
            var run = Run(strategies, name, a, b, "-o", temp.File(name + ".safetensors"), "--seed", seed.ToString(), "--json");
            Assert.True(run.ExitCode == 0, run.Error);
            using var json = JsonDocument.Parse(run.Output);
            Assert.Equal(seed, json.RootElement.GetProperty("settings").GetProperty("seed").GetInt32());
        }

        var folder = temp.File("cmp");
        var compare = Run(strategies, ["compare", a, b, .. Evaluation, "--out-dir", folder, "--strategies", "alpha,beta",
            "--set", "alpha.seed=1", "--set", "beta.seed=2", "-q"]);
        Assert.True(compare.ExitCode == 0, compare.Error);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "report.json")));
        var soups = report.RootElement.GetProperty("soups");
        Assert.Equal(1, soups.GetProperty("alpha").GetProperty("settings").GetProperty("seed").GetInt32());
        Assert.Equal(2, soups.GetProperty("beta").GetProperty("settings").GetProperty("seed").GetInt32());

        // Alone, a name several strategies have is not one setting: compare asks which.
        var ambiguous = Run(strategies, ["compare", a, b, .. Evaluation, "--out-dir", folder, "--set", "seed=1"]);
        Assert.Equal(2, ambiguous.ExitCode);
        Assert.Equal("error: --set seed: learned, alpha and beta each have their own: write learned.seed, alpha.seed or beta.seed",
            ambiguous.ErrorLines[0]);
    }

    public static TheoryData<string, string> BrokenDefinitions() => new()
    {
        { "twice", "strategy 'twice': parameter 'seed' is listed 2 times" },
        { "output", "strategy 'broken': parameter 'output' would be --output, an option every strategy command has already" },
        { "threads", "strategy 'broken': parameter 'threads' would be --threads" },
        { "help", "strategy 'broken': parameter 'help' would be --help" },
        { "Seed", "strategy 'broken': parameter 'Seed': a name must be lower-case letters" },
        { "compare", "strategy 'compare': its name is the command soup compare already" },
    };

    [Theory]
    [MemberData(nameof(BrokenDefinitions))]
    public void A_broken_definition_is_one_error_line_for_any_command_never_a_crash(string broken, string expected)
    {
        SettingsSoup strategy = broken switch
        {
            "twice" => new("twice", Parameter.Integer("seed", 0, "One.", 0, 9), Parameter.Integer("seed", 0, "Two.", 0, 9)),
            "compare" => new("compare"),
            _ => new("broken", Parameter.Integer(broken, 1, "A setting.", 0, 9)),
        };
        ISoupStrategy[] strategies = [.. KnownStrategies.All, strategy];
        var error = Assert.Throws<StrategyDefinitionException>(() => SoupCli.Build(strategies));
        Assert.Contains(expected, error.Message);
        string[][] commands = [["--help"], ["uniform", "--help"], ["uniform", Fixture.Eval("digits_cnn_a.pt"), "-o", "x.pt"]];
        foreach (var args in commands)
            CliAssert.OneErrorLine(Run(strategies, args), expected, exitCode: 1);
    }
}
