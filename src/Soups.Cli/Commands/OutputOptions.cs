using System.CommandLine;
using Soups.Baking;
using Soups.Checkpoints;

namespace Soups.Cli.Commands;

/// <summary>The options of commands that write a soup: <c>-o</c>, <c>--force</c>, <c>--format</c>, <c>--dtype</c>.</summary>
internal sealed class OutputOptions
{
    public Option<string> Output { get; } = new Option<string>("--output", "-o")
    {
        Description = "The soup checkpoint to write. Format by extension (.safetensors, .pt/.pth/.bin, .dat) unless --format.",
        Required = true,
    }.NotEmpty().Check(p => p.Contains('\uFFFD') ? "the name is not valid UTF-8; choose another" : null);

    public Option<bool> Force { get; } = new("--force", "-f") { Description = "Overwrite the output (and its report) if it exists." };

    public Option<string?> Format { get; } = new Option<string?>("--format")
    {
        Description = "Output format: safetensors (default), pt (torch.load reads it) or torchsharp.",
    }.Check(f => KnownCheckpointFormats.WritableNames.Contains(f!, StringComparer.OrdinalIgnoreCase)
        ? null : $"unknown output format '{f}' (choose {string.Join(", ", KnownCheckpointFormats.WritableNames)})");

    public Option<string?> DType { get; } = new Option<string?>("--dtype")
    {
        Description = "Store floating-point tensors as float32, float16 or bfloat16 (default: as the ingredients store them).",
    }.Check(d => DTypes.Parse(d!) is null or TorchSharp.torch.ScalarType.Float64 ? $"unknown type '{d}' (choose float32, float16 or bfloat16)" : null);

    public void AddTo(Command command)
    {
        command.Options.Add(Output);
        command.Options.Add(Force);
        command.Options.Add(Format);
        command.Options.Add(DType);
    }

    /// <summary>Where and how to write the soup.</summary>
    public SoupOutput Resolve(ParseResult parse)
    {
        var dtypeName = parse.GetValue(DType);
        return new SoupOutput(parse.GetValue(Output)!, parse.GetValue(Format), parse.GetValue(Force), dtypeName is null ? null : DTypes.Parse(dtypeName));
    }
}
