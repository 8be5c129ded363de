using System.CommandLine;

namespace Soups.Cli.Tests.Commands;

/// <summary>
/// Every option value that does not parse is one <c>error:</c> line naming the option and exit 2, on every command:
/// the cases come from the command tree itself, so an option added later is covered without a new test.
/// </summary>
public class OptionValidationTests
{
    /// <summary>Each command path, typed option and a text that is not a value of its type.</summary>
    public static TheoryData<string, string, string> UnparsableValues()
    {
        var data = new TheoryData<string, string, string>();
        var commands = new Stack<(string Path, Command Command)>([("", SoupCli.Build())]);
        while (commands.TryPop(out var entry))
        {
            foreach (var option in entry.Command.Options)
            {
                foreach (var text in NotValuesOf(option.ValueType)) data.Add(entry.Path, option.Name, text);
            }
            foreach (var subcommand in entry.Command.Subcommands) commands.Push(($"{entry.Path} {subcommand.Name}".Trim(), subcommand));
        }
        return data;
    }

    // Texts no option of the type accepts. Switches (bool) take no value, and any text is a string.
    private static string[] NotValuesOf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum) return ["abc"];
        return Type.GetTypeCode(type) switch
        {
            TypeCode.Int32 or TypeCode.Int64 or TypeCode.Int16 or TypeCode.UInt32 or TypeCode.UInt64 => ["abc", "1.5", "", "99999999999999999999"],
            TypeCode.Double or TypeCode.Single or TypeCode.Decimal => ["abc", "", "1.2.3"],
            _ => [],
        };
    }

    [Fact]
    public void The_tree_has_typed_options_to_check() =>
        Assert.Superset(new HashSet<string> { "--threads", "--batch-size", "--lr", "--epochs" },
            UnparsableValues().Select(row => (string)row[1]).ToHashSet());

    [Theory]
    [MemberData(nameof(UnparsableValues))]
    public void A_value_that_does_not_parse_is_one_error_line_naming_the_option_and_exit_2(string command, string option, string text)
    {
        // Required options get a placeholder, so that the value under test is the only thing wrong.
        var required = Find(SoupCli.Build(), command).Options.Where(o => o.Required && o.Name != option).SelectMany(o => new[] { o.Name, "x" });
        var args = new List<string>(command.Split(' ', StringSplitOptions.RemoveEmptyEntries)) { option, text };
        args.AddRange(required);
        var result = CliRun.Run([.. args]);
        var context = $"soup {string.Join(' ', args)}: exit {result.ExitCode}\n{result.Error}";
        Assert.True(result.ExitCode == 2, context);
        Assert.True(result.ErrorLines[0].StartsWith($"error: {option}: expected ", StringComparison.Ordinal), context);
        Assert.Contains($"got '{text}'", result.ErrorLines[0]);
        // The only other line is the pointer to help.
        Assert.All(result.ErrorLines.Skip(1), line => Assert.StartsWith("Try 'soup ", line));
        Assert.DoesNotContain("System.", result.Error);
    }

    private static Command Find(Command root, string path) =>
        path.Split(' ', StringSplitOptions.RemoveEmptyEntries).Aggregate(root, (command, name) => command.Subcommands.Single(c => c.Name == name));

    [Fact]
    public void A_whole_number_past_the_range_says_which_range()
    {
        var result = CliRun.Run(["uniform", "a.pt", "--threads", "99999999999"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: --threads: expected an integer from -2147483648 to 2147483647, got '99999999999'", result.ErrorLines[0]);
    }

    [Fact]
    public void A_bad_shard_names_the_option_once()
    {
        var result = CliRun.Run(["eval", "a.pt", "--model", "digits-cnn", "--heldout", "h.safetensors", "--shard", "9/2"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: --shard: expected i/n with 0 <= i < n, auto or auto/n, got '9/2'", result.ErrorLines[0]);
    }
}
