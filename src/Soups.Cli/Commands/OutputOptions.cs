using System.CommandLine;
using Soups.Checkpoints;
using Soups.Souping;

namespace Soups.Cli.Commands;

/// <summary>The options of commands that write a soup: <c>-o</c>, <c>--force</c>, <c>--format</c>, <c>--dtype</c>.</summary>
internal sealed class OutputOptions
{
    public Option<string> Output { get; } = new("--output", "-o")
    {
        Description = "The soup checkpoint to write. Format by extension (.safetensors, .pt/.pth/.bin, .dat) unless --format.",
        Required = true,
    };

    public Option<bool> Force { get; } = new("--force", "-f") { Description = "Overwrite the output if it exists." };

    public Option<string?> Format { get; } = new("--format")
    {
        Description = "Output format: safetensors (default), pt (torch.load reads it) or torchsharp.",
    };

    public Option<string?> DType { get; } = new("--dtype")
    {
        Description = "Store floating-point tensors as float32, float16 or bfloat16 (default: as the ingredients store them).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Output);
        command.Options.Add(Force);
        command.Options.Add(Format);
        command.Options.Add(DType);
    }

    /// <summary>Validates the output settings before any work starts.</summary>
    public SoupOutput Resolve(ParseResult parse, IReadOnlyList<string> inputs)
    {
        var path = parse.GetValue(Output)!;
        var force = parse.GetValue(Force);
        var format = parse.GetValue(Format);
        KnownCheckpointFormats.ForOutput(path, format);
        var full = Path.GetFullPath(path);
        if (inputs.Any(i => string.Equals(Path.GetFullPath(i), full, StringComparison.Ordinal)))
            throw new SoupException($"{path}: is also an input; inputs are never overwritten");
        if (Directory.Exists(path)) throw new SoupException($"{path}: is a folder");
        if (File.Exists(path) && !force) throw new SoupException($"{path}: already exists (use --force to overwrite)");
        var dtypeName = parse.GetValue(DType);
        TorchSharp.torch.ScalarType? dtype = null;
        if (dtypeName != null)
            dtype = DTypes.Parse(dtypeName) ?? throw new SoupException($"--dtype: unknown type '{dtypeName}' (choose float32, float16 or bfloat16)");
        return new SoupOutput(path, format, force, dtype);
    }
}
