using System.CommandLine;
using Soups.Evaluation;
using Soups.Models;

namespace Soups.Cli.Commands;

/// <summary>Options of commands that evaluate checkpoints: the model, the held-out split, the results cache.</summary>
internal sealed class EvaluationOptions
{
    public const string DefaultResults = "soup-evals.jsonl";

    public Option<string> Model { get; } = new("--model", "-m")
    {
        Description = "A TorchScript file exported from PyTorch (any architecture), or a built-in: " +
                      string.Join(", ", KnownModels.BuiltIn.Select(f => f.Name)) + ".",
        Required = true,
    };

    public Option<string> HeldOut { get; } = new("--heldout")
    {
        Description = "The held-out split: a tensor file (safetensors or .pt) with 'inputs' and 'labels', or an image folder (ImageFolder layout).",
        Required = true,
    };

    public Option<string?> Preprocess { get; } = new("--preprocess")
    {
        Description = "For image folders: imagenet (resize 256, crop 224) or clip (bicubic 224, crop 224).",
    };

    public Option<string?> Subset { get; } = new("--subset")
    {
        Description = "A 0/1 .npy mask over the held-out examples in their canonical order (e.g. the paper's ImageNet2p mask).",
    };

    public Option<int> BatchSize { get; }

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

    /// <summary>The options; <paramref name="batchSize"/> is <c>--batch-size</c>'s default (256 where it is also the learned soup's).</summary>
    public EvaluationOptions(int batchSize = 128, string batchSizeDescription = "Examples per forward pass.")
    {
        BatchSize = new Option<int>("--batch-size") { Description = batchSizeDescription, DefaultValueFactory = _ => batchSize }
            .InRange(1, 1 << 20);
        Precision.AcceptOnlyFromAmong("fp32", "fp16", "bf16");
    }

    public IModelFamily Family(ParseResult parse) => KnownModels.Resolve(parse.GetValue(Model)!, parse.GetValue(Precision) switch
    {
        "fp16" => TorchSharp.torch.ScalarType.Float16,
        "bf16" => TorchSharp.torch.ScalarType.BFloat16,
        _ => TorchSharp.torch.ScalarType.Float32,
    });

    public void AddTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(HeldOut);
        command.Options.Add(Preprocess);
        command.Options.Add(Subset);
        command.Options.Add(BatchSize);
        command.Options.Add(Results);
        command.Options.Add(NoCache);
        command.Options.Add(Precision);
    }

    public EvaluationCache Cache(ParseResult parse)
    {
        if (parse.GetValue(NoCache)) return EvaluationCache.None;
        var files = ResultsFiles(parse);
        foreach (var file in files.Where(f => File.Exists(f) || Directory.Exists(f))) Soups.FileSystem.InputFiles.RequireReadable(file);
        if (Directory.Exists(files[0])) throw new SoupException($"--results {files[0]}: is a folder");
        return new EvaluationCache(files);
    }

    public IHeldOutSplit OpenHeldOut(ParseResult parse, int threads) =>
        HeldOutSplits.Open(parse.GetValue(HeldOut)!, parse.GetValue(Preprocess), parse.GetValue(Subset), threads);

    public int BatchSizeValue(ParseResult parse) => parse.GetValue(BatchSize);

    /// <summary>The results files in use (empty with --no-cache).</summary>
    public IReadOnlyList<string> ResultsFiles(ParseResult parse)
    {
        if (parse.GetValue(NoCache)) return [];
        var files = parse.GetValue(Results);
        return files is { Length: > 0 } ? files : [DefaultResults];
    }
}
