using System.CommandLine;
using System.CommandLine.Help;
using Soups.Cli.Usage;
using Soups.Strategies;

namespace Soups.Cli.Tests.Usage;

/// <summary>
/// Each command's help: locked by approval snapshots (<c>help/COMMAND.txt</c>, at 80 columns); its own options first,
/// its arguments named for it and required where they are, and examples that are real command lines on the sample.
/// </summary>
public class HelpTests
{
    private static readonly string Snapshots = Path.Combine(Fixture.Root, "tests", "Soups.Cli.Tests", "Usage", "help");

    // The root ("") and every command.
    private static List<string> Names() => ["", .. SoupCli.Build().Subcommands.Select(c => c.Name)];

    public static TheoryData<string> CommandNames() => new(Names());

    private static string Help(string command, int width = 80)
    {
        var root = SoupCli.Build();
        ((HelpWithExamples)root.Options.OfType<HelpOption>().Single().Action!).MaxWidth = width;
        var output = new StringWriter();
        var error = new StringWriter();
        var code = SoupCli.RunAsync(root, command.Length == 0 ? ["--help"] : [command, "--help"], output, error).GetAwaiter().GetResult();
        Assert.True(code == 0, error.ToString());
        // The usage line names the program as it was started: the test host here, soup when installed.
        return output.ToString().Replace($"  {root.Name} ", "  soup ", StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void Help_matches_its_approved_snapshot(string command)
    {
        var name = command.Length == 0 ? "soup" : command;
        var approved = Path.Combine(Snapshots, name + ".txt");
        var received = Path.Combine(Snapshots, name + ".received.txt");
        var text = Help(command).ReplaceLineEndings("\n");
        if (File.Exists(approved) && File.ReadAllText(approved) == text)
        {
            File.Delete(received);
            return;
        }
        File.WriteAllText(received, text);
        Assert.Fail($"the help of '{name}' is not its approved snapshot: compare {received} with {approved}, and move it over when the change is meant");
    }

    [Fact]
    public void Every_snapshot_belongs_to_a_command()
    {
        var names = Names().Select(c => c.Length == 0 ? "soup" : c).ToHashSet();
        foreach (var file in Directory.GetFiles(Snapshots, "*.txt").Where(f => !f.EndsWith(".received.txt", StringComparison.Ordinal)))
            Assert.Contains(Path.GetFileNameWithoutExtension(file), names);
    }

    [Fact]
    public void A_strategy_lists_its_own_parameters_first_and_the_options_every_command_shares_last()
    {
        foreach (var strategy in KnownStrategies.All.Where(s => s.Parameters.Count > 0))
        {
            var options = SoupCli.Build().Subcommands.Single(c => c.Name == strategy.Name).Options.Select(o => o.Name).ToList();
            Assert.Equal(strategy.Parameters.Select(p => "--" + p.Name), options.Take(strategy.Parameters.Count));
            Assert.Equal(["--json", "--verbose", "--quiet", "--device", "--threads"], options.TakeLast(5));
        }
    }

    [Fact]
    public void Required_checkpoints_show_as_required_and_named_for_the_command()
    {
        Assert.Contains("soup greedy <checkpoints>... [options]", Help("greedy"));
        Assert.Contains("soup interpolate <A> <B> [options]", Help("interpolate"));
        Assert.Contains("soup rebake <soup> [options]", Help("rebake"));
        Assert.Contains("<soup>  The soup to rebake", Help("rebake", int.MaxValue));
        Assert.DoesNotContain("[<", Help("inspect"));
    }

    [Fact]
    public void Ties_and_task_arithmetic_say_what_their_scale_is_without_scale()
    {
        var ties = Help("ties", int.MaxValue);
        Assert.Contains("Without it, λ is chosen on the held-out split from --scales when --model and --heldout are given, and is 1 without them.", ties);
        var arithmetic = Help("task-arithmetic", int.MaxValue);
        Assert.Contains("Without it, λ is chosen on the held-out split from --scales, which needs --model and --heldout.", arithmetic);
    }

    [Fact]
    public void Every_command_has_examples_and_every_example_names_a_command()
    {
        var names = Names();
        Assert.All(names, name => Assert.NotEmpty(KnownExamples.For(name)));
        Assert.All(KnownExamples.Commands, name => Assert.Contains(name, names));
    }

    [Fact]
    public void Examples_are_cut_for_a_narrow_terminal_as_a_shell_reads_them()
    {
        var lines = Help("greedy").Split('\n');
        var example = lines.SkipWhile(l => !l.StartsWith("Examples", StringComparison.Ordinal)).Skip(1).ToList();
        Assert.StartsWith("    soup greedy ", example[1]);
        Assert.EndsWith(" \\", example[1]);
        Assert.All(example.Where(l => l.EndsWith(" \\", StringComparison.Ordinal)), l => Assert.True(l.Length <= 80, l));
    }

    private static IEnumerable<(string Command, string Arguments)> AllExamples() =>
        KnownExamples.Commands.SelectMany(command => KnownExamples.For(command).Select(e => (command, e.Arguments)));

    public static TheoryData<string, string> Examples()
    {
        var data = new TheoryData<string, string>();
        foreach (var (command, arguments) in AllExamples()) data.Add(command, arguments);
        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Every_example_parses_against_the_real_command_tree_and_its_sample_files_exist(string command, string arguments)
    {
        var words = arguments.Split(' ');
        var args = words.SelectMany(Expand).ToArray();
        var parse = SoupCli.Build().Parse(args);
        Assert.Null(UsageErrors.Describe(parse));
        Assert.Empty(parse.Errors);
        if (command.Length > 0) Assert.Equal(command, parse.CommandResult.Command.Name);

        var outputs = AllExamples().SelectMany(e => Written(e.Arguments.Split(' '))).ToHashSet();
        for (var i = 0; i < words.Length; i++)
        {
            var value = words[i][(words[i].IndexOf('=') + 1)..];
            if (i > 0 && words[i - 1] is "-o" or "--output" or "--out-dir") continue;
            if (value.StartsWith("samples/", StringComparison.Ordinal))
                Assert.True(value.Contains('*') ? Expand(value).Any() : Path.Exists(Path.Combine(Fixture.Root, value)), $"{value} is not in the repository");
            else if (value.EndsWith(".safetensors", StringComparison.Ordinal))
                Assert.True(outputs.Contains(value), $"{value} is neither in the sample nor written by an example");
        }
    }

    private static IEnumerable<string> Written(string[] words) =>
        words.Zip(words.Skip(1)).Where(pair => pair.First is "-o" or "--output" or "--out-dir").Select(pair => pair.Second);

    // What a shell makes of a word: a glob in the file name matches the repository's files, sorted.
    private static IEnumerable<string> Expand(string word)
    {
        var value = word[(word.IndexOf('=') + 1)..];
        if (!value.Contains('*')) return [word];
        var folder = Path.GetDirectoryName(value)!;
        var files = Directory.GetFiles(Path.Combine(Fixture.Root, folder), Path.GetFileName(value)).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);
        return files;
    }
}
