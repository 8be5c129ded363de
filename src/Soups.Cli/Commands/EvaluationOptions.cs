using System.CommandLine;
using Soups.Models;
using Soups.Runs;

namespace Soups.Cli.Commands;

/// <summary>Options of commands that evaluate checkpoints: the model, the held-out and test splits, the results cache.</summary>
internal sealed class EvaluationOptions
{
    public const string DefaultResults = "soup-evals.jsonl";

    public Option<string?> Model { get; } = new("--model", "-m")
    {
        Description = "A TorchScript file exported from PyTorch (any architecture), or a built-in: " +
                      string.Join(", ", KnownModels.BuiltIn.Select(f => f.Name)) + ".",
    };

    public Option<string?> HeldOut { get; } = new("--heldout")
    {
        Description = "The held-out split: a tensor file (safetensors or .pt) with 'inputs' and 'labels', or an image folder (ImageFolder layout).",
    };

    public Option<string?> Preprocess { get; } = new("--preprocess")
    {
        Description = "For image folders: imagenet (resize 256, crop 224) or clip (bicubic 224, crop 224).",
    };

    public Option<string?> Subset { get; } = new("--subset")
    {
        Description = "A 0/1 .npy mask over the held-out examples in their canonical order (e.g. the paper's ImageNet2p mask).",
    };

    public Option<int> BatchSize { get; } = new Option<int>("--batch-size")
    {
        Description = "Examples per forward pass.",
        DefaultValueFactory = _ => 128,
    }.InRange(1, 1 << 20);

    public Option<string[]> Results { get; } = new Option<string[]>("--results")
    {
        Description = $"Results files (JSON lines) to reuse; new results are appended to the first (default {DefaultResults}). Repeatable, e.g. to merge the files of a sharded 'soup eval'.",
    }.Check(files => files.Any(f => f.Length == 0) ? "empty path" : null);

    public Option<bool> NoCache { get; } = new("--no-cache") { Description = "Neither read nor write a results file." };

    public Option<string> Precision { get; } = new("--precision")
    {
        Description = "Compute type of the forward pass: fp32 (default), or fp16/bf16 mixed precision on CUDA (clip-vit; LayerNorms stay float32).",
        DefaultValueFactory = _ => "fp32",
    };

    public Option<string[]> Tests { get; } = new Option<string[]>("--test")
    {
        Description = "A test split to report, NAME=PATH (tensor file or image folder); repeatable. Never used for choices.",
    }.Check(specs => specs.FirstOrDefault(s => s.Length == 0 || s.StartsWith('=') || s.EndsWith('=')) is { } bad
        ? $"expected NAME=PATH, got '{bad}'"
        : null);

    /// <summary>The options; <paramref name="required"/> makes --model and --heldout required (else they go together or not at all).</summary>
    public EvaluationOptions(bool required = true)
    {
        Precision.AcceptOnlyFromAmong("fp32", "fp16", "bf16");
        Model.Required = required;
        HeldOut.Required = required;
    }

    public void AddTo(Command command, bool tests = true)
    {
        command.Options.Add(Model);
        command.Options.Add(HeldOut);
        if (tests) command.Options.Add(Tests);
        foreach (var option in new Option[] { Preprocess, Subset, BatchSize, Results, NoCache, Precision }) command.Options.Add(option);
    }

    /// <summary>The evaluation settings the run needs.</summary>
    public EvaluationRequest Request(ParseResult parse) => OptionalRequest(parse) ?? throw new OptionException("heldout", "is required");

    /// <summary>The evaluation settings when --model and --heldout are given; null when neither is.</summary>
    public EvaluationRequest? OptionalRequest(ParseResult parse)
    {
        var (model, heldOut) = (parse.GetValue(Model), parse.GetValue(HeldOut));
        if (model is null && heldOut is null) return null;
        if (model is null) throw new OptionException("model", "is needed with --heldout");
        if (heldOut is null) throw new OptionException("heldout", "is needed with --model");
        return new EvaluationRequest(model, heldOut, parse.GetValue(Preprocess), parse.GetValue(Subset), TestSplits(parse),
            parse.GetValue(BatchSize), ResultsFiles(parse), parse.GetValue(Precision)!);
    }

    private IReadOnlyList<string> ResultsFiles(ParseResult parse)
    {
        if (parse.GetValue(NoCache)) return [];
        var files = parse.GetValue(Results);
        return files is { Length: > 0 } ? files : [DefaultResults];
    }

    private List<(string Name, string Path)> TestSplits(ParseResult parse)
    {
        var result = new List<(string, string)>();
        foreach (var text in parse.GetValue(Tests) ?? [])
        {
            var at = text.IndexOf('=');
            var (name, path) = at > 0 ? (text[..at], text[(at + 1)..]) : (NameOf(text), text);
            if (string.IsNullOrWhiteSpace(name)) throw new OptionException("test", $"'{text}' gives the split no name (write NAME=PATH)");
            if (result.Any(r => r.Item1 == name)) throw new OptionException("test", $"name '{name}' given twice");
            if (!File.Exists(path) && !Directory.Exists(path)) throw new OptionException("test", $"{name}: {path}: no such file or folder");
            result.Add((name, path));
        }
        return result;
    }

    // A split given without NAME= is named after its file or folder: "images/" is "images", ".hidden" keeps its name.
    private static string NameOf(string path)
    {
        var file = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)));
        return Path.GetFileNameWithoutExtension(file) is { Length: > 0 } name ? name : file;
    }
}
