using System.Text.Json;
using Soups.Baking;
using Soups.Strategies;
using TorchSharp;

namespace Soups.Cli.Tests.Commands;

/// <summary>
/// Issue #9: a strategy is one definition plus one registry line. A strategy written here, in one class, becomes a
/// command with its own options and help, runs, writes a soup with a report, and joins compare — nothing else touched.
/// </summary>
public class NewStrategyTests
{
    /// <summary>The element-wise median (of an odd number) of ingredients, scaled: a strategy no file of the tool knows.</summary>
    private sealed class MedianSoup : SoupStrategy<MedianSoup.Options>
    {
        public static readonly Parameter<double> Shrink = Parameter.Number("shrink", 1.0, "Multiply the median by this.", 0);

        public sealed record Options(double Shrink);

        public sealed record Result(double Shrink, int Ingredients) : StrategyResult
        {
            public override string Summary() => $"the element-wise median of {Ingredients} ingredients, times {Shrink}";
        }

        public override string Name => "median";

        public override string Summary => "Bake the element-wise median of the checkpoints.";

        public override StrategyNeeds Needs => StrategyNeeds.None;

        public override IReadOnlyList<Parameter> Parameters => [Shrink];

        public override Options Read(ParameterValues values) => new(values.Get(Shrink));

        public override SoupPlan Plan(PlanContext context, Options options) =>
            new(Name, "median soup", new Median(options.Shrink), new Result(options.Shrink, context.Ingredients.Count));

        private sealed class Median(double shrink) : ITensorMerge
        {
            public torch.Tensor Merge(TensorInputs inputs, torch.ScalarType dtype, ICollection<string> warnings)
            {
                using var scope = torch.NewDisposeScope();
                var stacked = torch.stack(Enumerable.Range(0, inputs.Count).Select(inputs.Ingredient).ToArray());
                var (sorted, _) = stacked.to(torch.float64).sort(0, false, false);
                return (sorted[inputs.Count / 2] * shrink).to(dtype).MoveToOuterDisposeScope();
            }
        }
    }

    private static CliResult Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = SoupCli.Build([.. KnownStrategies.All, new MedianSoup()]);
        var code = SoupCli.RunAsync(root, args, output, error).GetAwaiter().GetResult();
        return new CliResult(code, output.ToString(), error.ToString());
    }

    [Fact]
    public void A_registered_strategy_is_a_command_with_its_options_help_report_and_a_compare_row()
    {
        var help = Run(["median", "--help"]);
        Assert.Contains("Bake the element-wise median", help.Output);
        Assert.Contains("--shrink", help.Output);
        Assert.Contains("--base", help.Output);
        Assert.Contains("--heldout", help.Output); // any soup may be scored

        using var temp = new TempFolder();
        var soup = temp.File("median.safetensors");
        var result = Run(["median", .. Fixture.Ingredients(), "-o", soup, "--shrink", "0.5", "--json"]);
        Assert.True(result.ExitCode == 0, result.Error);
        using (var json = JsonDocument.Parse(result.Output))
        {
            Assert.Equal("median", json.RootElement.GetProperty("strategy").GetString());
            Assert.Equal(0.5, json.RootElement.GetProperty("details").GetProperty("shrink").GetDouble());
            Assert.Equal(0.5, json.RootElement.GetProperty("settings").GetProperty("shrink").GetDouble());
        }
        Assert.True(File.Exists(soup + ".report.json"));
        var inputs = Fixture.Ingredients().Select(p => Fixture.ReadAll(p)).ToList();
        var written = Fixture.ReadAll(soup);
        var (sorted, _) = torch.stack(inputs.Select(t => t["fc1.weight"]).ToArray()).to(torch.float64).sort(0, false, false);
        using var expected = (sorted[1] * 0.5).to(torch.float32);
        Assert.True(Fixture.Equal(expected, written["fc1.weight"]));

        Assert.Contains("--shrink: must be a finite number >= 0", Run(["median", .. Fixture.Ingredients(), "-o", temp.File("x.safetensors"),
            "--shrink", "-1"]).ErrorLines[0]);

        var folder = temp.File("cmp");
        var compare = Run(["compare", Fixture.Eval("digits_cnn_a.pt"), Fixture.Eval("digits_cnn_b.pt"), "--model", "digits-cnn",
            "--heldout", Fixture.Eval("heldout.safetensors"), "--out-dir", folder, "--strategies", "uniform,median",
            "--set", "median.shrink=1", "--no-cache", "-q"]);
        Assert.True(compare.ExitCode == 0, compare.Error);
        Assert.Contains("| median soup |", compare.Output);
        Assert.True(File.Exists(Path.Combine(folder, "median.safetensors")));
        foreach (var t in inputs) Fixture.DisposeAll(t);
        Fixture.DisposeAll(written);
    }

    [Fact]
    public void Every_command_has_distinct_option_names_and_every_parameter_a_description()
    {
        foreach (var command in SoupCli.Build().Subcommands)
        {
            var names = command.Options.SelectMany(o => o.Aliases.Append(o.Name)).ToList();
            Assert.True(names.Count == names.Distinct().Count(), $"{command.Name}: {string.Join(", ", names.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key))}");
        }
        foreach (var parameter in KnownStrategies.All.SelectMany(s => s.Parameters))
        {
            Assert.Matches("^[a-z][a-z0-9-]*$", parameter.Name);
            Assert.False(string.IsNullOrWhiteSpace(parameter.Description), parameter.Name);
        }
    }
}
