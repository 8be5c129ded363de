namespace Soups.Runs;

/// <summary>How a run evaluates: the model, the held-out split (and test splits), the batch size and the results files.</summary>
/// <param name="Model">A TorchScript file or a built-in model's name (with settings after a colon).</param>
/// <param name="HeldOut">The split choices are made on: a tensor file or an image folder.</param>
/// <param name="Preprocess">The preprocessing preset for image folders.</param>
/// <param name="Subset">A 0/1 mask over the held-out split's examples, or null.</param>
/// <param name="Tests">Splits only reported (name, path).</param>
/// <param name="BatchSize">Examples per forward pass.</param>
/// <param name="ResultsFiles">Results files to reuse; new results go to the first. Empty: no files (results kept in memory for the run).</param>
/// <param name="Precision">The forward pass's compute type: fp32, fp16 or bf16.</param>
public sealed record EvaluationRequest(
    string Model,
    string HeldOut,
    string? Preprocess = null,
    string? Subset = null,
    IReadOnlyList<(string Name, string Path)>? Tests = null,
    int BatchSize = 128,
    IReadOnlyList<string>? ResultsFiles = null,
    string Precision = "fp32");
