using System.CommandLine;
using Soups.Checkpoints;
using Soups.FileSystem;
using Soups.Runs;

namespace Soups.Cli.Commands;

/// <summary>
/// Options every command shares (issue #2, "CLI conventions"): the checkpoints, how to read them, output style, device.
/// They come after a command's own options in its help, which show first what the command is about.
/// </summary>
internal sealed class CommonOptions(params Argument[] checkpoints)
{
    /// <summary>More threads than this only oversubscribes the machine (100000 made libtorch hang).</summary>
    public const int MaxThreads = 256;

    /// <summary>The command's checkpoint arguments: a list of ingredients, or one per role (interpolate's A and B).</summary>
    public IReadOnlyList<Argument> Checkpoints { get; } = checkpoints;

    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON object describing the result on stdout." };

    public Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "Log more detail to stderr." };

    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "Log only errors; no progress bars." };

    public Option<string> Device { get; } = new Option<string>("--device")
    {
        Description = "Where tensors are mixed: auto (CUDA when available), cpu, cuda or cuda:N.",
        DefaultValueFactory = _ => "auto",
    }.Check(d => System.Text.RegularExpressions.Regex.IsMatch(d.Trim().ToLowerInvariant(), "^(auto|cpu|cuda|cuda:[0-9]+)$")
        ? null : $"unknown device '{d}' (choose auto, cpu, cuda or cuda:N)");

    public Option<int> Threads { get; } = new Option<int>("--threads")
    {
        Description = $"CPU threads, 1 to {MaxThreads} (default: every core; see the README's \"Threads\" for when to set it).",
    }.InRange(1, MaxThreads);

    public Option<string> StripPrefix { get; } = new("--strip-prefix")
    {
        Description = "Remove this prefix from tensor names when every name has it (\"\" to keep names as stored).",
        DefaultValueFactory = _ => "module.",
    };

    public Option<string?> Key { get; } = new Option<string?>("--key")
    {
        Description = "For torch.save files holding more than weights: dotted path of the weights (e.g. state_dict_ema). " +
                      "Default: whichever of the top level, state_dict, model_state_dict, model, module, net, network holds the most tensors.",
    }.NotEmpty();

    public Option<string[]> MapPrefix { get; } = new Option<string[]>("--map-prefix")
    {
        Description = "Rename tensor-name prefixes, FROM=TO (TO may be empty), e.g. --map-prefix model.= ; repeatable, first match wins.",
        AllowMultipleArgumentsPerToken = false,
    }.Pairs("FROM=TO", rightMayBeEmpty: true);

    public Option<bool> AllowUnsafeGlobals { get; } = new("--allow-unsafe-globals")
    {
        Description = "Read torch.save files whose pickle names code torch.load would run (os.system, builtins.eval, ...) as inert " +
                      "data, with a warning, instead of refusing them. Nothing in a pickle is run either way; inspect always reads them.",
    };

    public Option<string?> Base { get; } = new Option<string?>("--base")
    {
        Description = "The pretrained checkpoint the ingredients were fine-tuned from: checked like them, never averaged in, recorded in the soup.",
    }.NotEmpty();

    /// <summary>
    /// Adds the checkpoint arguments and the shared options to <paramref name="command"/>, after the options it added
    /// itself; <paramref name="reading"/> false leaves out how to read checkpoints (a rebake reads them as its recipe says).
    /// </summary>
    public void AddTo(Command command, bool device = true, bool reading = true)
    {
        foreach (var argument in Checkpoints) command.Arguments.Add(argument);
        if (reading)
        {
            command.Options.Add(StripPrefix);
            command.Options.Add(Key);
            command.Options.Add(MapPrefix);
        }
        command.Options.Add(AllowUnsafeGlobals);
        command.Options.Add(Json);
        command.Options.Add(Verbose);
        command.Options.Add(Quiet);
        if (!device) return;
        command.Options.Add(Device);
        command.Options.Add(Threads);
    }

    /// <summary>Adds <c>--base</c>, which the strategies that work on task vectors require.</summary>
    public void AddBase(Command command, bool required = false)
    {
        Base.Required = required;
        command.Options.Add(Base);
    }

    public ReadOptions ReadOptions(ParseResult parse) =>
        new(parse.GetValue(StripPrefix) ?? "", parse.GetValue(Key))
        {
            PrefixRules = (parse.GetValue(MapPrefix) ?? []).Select(PrefixRule.Parse).ToList(),
            AllowUnsafeGlobals = parse.GetValue(AllowUnsafeGlobals),
        };

    /// <summary>The checkpoints to read and how (<c>--base</c> included where the command has it).</summary>
    public IngredientRequest Ingredients(ParseResult parse) => new(CheckpointPaths(parse), ReadOptions(parse), parse.GetValue(Base));

    public ComputeRequest Compute(ParseResult parse) => new(parse.GetValue(Device)!, parse.GetValue(Threads));

    /// <summary>
    /// The checkpoint paths, with <c>@FILE</c> read as one path per line: a line is a path even when it holds spaces or
    /// starts with a dash (issue #8). A dash-led argument that is no file was refused as an unknown option when parsed.
    /// </summary>
    public IReadOnlyList<string> CheckpointPaths(ParseResult parse)
    {
        var paths = new List<string>();
        foreach (var argument in Checkpoints.SelectMany(a => parse.GetResult(a)?.Tokens ?? []).Select(t => t.Value))
        {
            if (argument.Length == 0) throw new UsageException("an empty checkpoint path was given");
            if (argument.StartsWith('@') && argument.Length > 1 && !File.Exists(argument)) paths.AddRange(ReadList(argument[1..]));
            else paths.Add(argument);
        }
        if (paths.Count == 0) throw new UsageException("no checkpoints given");
        return paths;
    }

    public Verbosity Verbosity(ParseResult parse) =>
        parse.GetValue(Quiet) ? Cli.Verbosity.Quiet : parse.GetValue(Verbose) ? Cli.Verbosity.Verbose : Cli.Verbosity.Normal;

    private static List<string> ReadList(string listPath)
    {
        if (!File.Exists(listPath)) throw new InputException("@" + listPath, "no such list file");
        InputFiles.RequireReadable(listPath);
        return File.ReadAllLines(listPath).Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).ToList();
    }
}
