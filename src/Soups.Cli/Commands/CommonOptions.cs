using System.CommandLine;
using Soups.Checkpoints;

namespace Soups.Cli.Commands;

/// <summary>Options every command shares (issue #2, "CLI conventions").</summary>
internal sealed class CommonOptions
{
    public Argument<string[]> Checkpoints { get; } = new("checkpoints")
    {
        Description = "Checkpoint files (torch.save .pt/.pth/.bin, .safetensors, *.safetensors.index.json, TorchSharp). " +
                      "Shell globs work; @FILE reads one path per line.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON object describing the result on stdout." };

    public Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "Log more detail to stderr." };

    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "Log only errors; no progress bars." };

    public Option<string> Device { get; } = new("--device")
    {
        Description = "Where tensors are mixed: auto (CUDA when available), cpu, cuda or cuda:N.",
        DefaultValueFactory = _ => "auto",
    };

    public Option<int> Threads { get; } = new("--threads") { Description = "CPU threads for torch (default: torch's choice)." };

    public Option<string> StripPrefix { get; } = new("--strip-prefix")
    {
        Description = "Remove this prefix from tensor names when every name has it (\"\" to keep names as stored).",
        DefaultValueFactory = _ => "module.",
    };

    public Option<string?> Key { get; } = new("--key")
    {
        Description = "For torch.save files holding more than weights: dotted path of the state dict (e.g. model, ema.state_dict). " +
                      "Default: the top level, else state_dict, model_state_dict, model, module, net, network.",
    };

    public Option<string[]> MapPrefix { get; } = new("--map-prefix")
    {
        Description = "Rename tensor-name prefixes, FROM=TO (TO may be empty), e.g. --map-prefix model.= ; repeatable, first match wins.",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>Adds the shared options (and the checkpoints argument) to <paramref name="command"/>.</summary>
    public void AddTo(Command command, bool device = true)
    {
        command.Arguments.Add(Checkpoints);
        command.Options.Add(Json);
        command.Options.Add(Verbose);
        command.Options.Add(Quiet);
        if (device)
        {
            command.Options.Add(Device);
            command.Options.Add(Threads);
        }
        command.Options.Add(StripPrefix);
        command.Options.Add(Key);
        command.Options.Add(MapPrefix);
    }

    public ReadOptions ReadOptions(ParseResult parse) =>
        new(parse.GetValue(StripPrefix) ?? "", parse.GetValue(Key))
        {
            PrefixRules = (parse.GetValue(MapPrefix) ?? []).Select(PrefixRule.Parse).ToList(),
        };

    public IReadOnlyList<string> CheckpointPaths(ParseResult parse)
    {
        var paths = parse.GetValue(Checkpoints) ?? [];
        if (paths.Length == 0) throw new SoupException("no checkpoints given");
        return paths;
    }

    public Verbosity Verbosity(ParseResult parse) =>
        parse.GetValue(Quiet) ? Cli.Verbosity.Quiet : parse.GetValue(Verbose) ? Cli.Verbosity.Verbose : Cli.Verbosity.Normal;
}
