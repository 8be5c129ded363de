using System.Diagnostics;
using Soups.Baking;
using Soups.Checkpoints;
using Soups.Evaluation;
using Soups.FileSystem;
using Soups.Strategies;

namespace Soups.Runs;

/// <summary>What <c>soup rebake</c> was asked: the soup, where its ingredients are, and where (if anywhere) to write the result.</summary>
/// <param name="Soup">The soup whose recipe is replayed.</param>
/// <param name="From">Folders searched for ingredient files by name, in order (empty: the soup's own folder).</param>
/// <param name="Output">Where to write the rebaked soup; null to bake it into a scratch folder, compare, and remove it.</param>
/// <param name="Evaluation">A model and held-out split, for strategies whose arithmetic needs them (Fisher).</param>
/// <param name="Compute">Device and threads.</param>
public sealed record RebakeRequest(string Soup, IReadOnlyList<string> From, SoupOutput? Output, EvaluationRequest? Evaluation,
    ComputeRequest Compute)
{
    /// <summary>Read files whose pickles name what only an attack uses as inert data (<see cref="ReadOptions.AllowUnsafeGlobals"/>).</summary>
    public bool AllowUnsafeGlobals { get; init; }
}

/// <summary>One input file of a rebake: where it was found and how.</summary>
/// <param name="File">The name the recipe gives.</param>
/// <param name="Path">Where it was found, or where a nested soup was rebaked to (a scratch file).</param>
/// <param name="Sha256">Its SHA-256 (equal to the recipe's).</param>
/// <param name="Rebaked">True when it was missing and was rebaked from its own recipe.</param>
/// <param name="Depth">0 for the soup's own ingredients, 1 for theirs, ...</param>
public sealed record RebakeInput(string File, string Path, string Sha256, bool Rebaked, int Depth);

/// <summary>What <c>soup rebake</c> found: the recorded and the reproduced SHA-256, and every file used.</summary>
public sealed record RebakeResult(string Soup, string Strategy, string Expected, string Actual, bool Matches, string? WrittenTo,
    IReadOnlyList<RebakeInput> Inputs, string ToolVersion, double ElapsedSeconds);

/// <summary>
/// Replays a soup's recipe (issue #11): finds each ingredient by file name and checks its SHA-256 against the recipe
/// (rebaking a missing ingredient that is itself a soup from its nested recipe), bakes the soup again — the
/// recorded weights for a weighted mean, otherwise the strategy with its recorded settings — with the original
/// metadata, and compares SHA-256s. Nothing is written unless an output is given.
/// </summary>
public static class RebakeRun
{
    /// <summary>Runs <paramref name="request"/>.</summary>
    public static RebakeResult Execute(RebakeRequest request, RunObserver observer, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        InputFiles.RequireReadable(request.Soup);
        if (request.Output is { } wanted)
        {
            KnownCheckpointFormats.ForOutput(wanted.Path, wanted.Format ?? "safetensors");
            AtomicFile.RequireWritable(wanted.Path, wanted.Overwrite);
        }
        Recipe recipe;
        Dictionary<string, string> metadata;
        using (var soup = KnownCheckpointFormats.Open(request.Soup,
                   ReadOptions.Default with { StripPrefix = "", AllowUnsafeGlobals = request.AllowUnsafeGlobals }))
        {
            recipe = Recipe.Of(soup) ?? throw new InputException(request.Soup,
                "has no recipe to rebake (only safetensors soups baked by this version of soup or later carry one)");
            metadata = soup.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        }
        var expected = FileHash.Sha256(request.Soup);
        var folders = request.From.Count > 0 ? request.From : [Path.GetDirectoryName(Path.GetFullPath(request.Soup))!];
        foreach (var folder in folders)
            if (!Directory.Exists(folder)) throw new InputException(folder, "is not a folder");

        using var scratch = ScratchFolder.Create();
        var inputs = new List<RebakeInput>();
        var rebaker = new Rebaker(folders, scratch, request, observer, inputs, cancellation);
        var target = request.Output ?? new SoupOutput(scratch.File("rebaked.safetensors"), "safetensors", Overwrite: true);
        var baked = rebaker.Bake(recipe, target with { Format = target.Format ?? "safetensors" }, metadata, depth: 0,
            protect: [request.Soup]);
        var matches = string.Equals(baked.Sha256, expected, StringComparison.OrdinalIgnoreCase);
        return new RebakeResult(request.Soup, recipe.Strategy, expected, baked.Sha256, matches, request.Output?.Path, inputs,
            ToolVersion.Text, Math.Round(clock.Elapsed.TotalSeconds, 3));
    }

    /// <summary>
    /// The metadata a soup with <paramref name="recipe"/> carries, rebuilt from the recipe alone (for nested soups,
    /// whose original metadata is not at hand): the same function of the recipe that baking used.
    /// </summary>
    public static Dictionary<string, string> MetadataOf(Recipe recipe)
    {
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["soup.strategy"] = recipe.Strategy,
            ["soup.ingredients"] = System.Text.Json.JsonSerializer.Serialize(recipe.Ingredients.Select(i => i.File).ToArray()),
        };
        if (recipe.Weights is { } weights) metadata["soup.weights"] = System.Text.Json.JsonSerializer.Serialize(WeightedMean.Normalise(weights));
        metadata["soup.tool"] = recipe.Tool;
        if (recipe.Base != null) metadata["soup.base"] = recipe.Base.File;
        if (recipe.TensorWeights != null) metadata["soup.per_tensor_weights"] = "true";
        metadata[Recipe.MetadataKey] = recipe.ToJson();
        return metadata;
    }

    private sealed class Rebaker(IReadOnlyList<string> folders, ScratchFolder scratch, RebakeRequest request, RunObserver observer,
        List<RebakeInput> found, CancellationToken cancellation)
    {
        public BakeResult Bake(Recipe recipe, SoupOutput output, IReadOnlyDictionary<string, string> metadata, int depth,
            IReadOnlyList<string> protect)
        {
            var ingredients = recipe.Ingredients.Select(i => Find(i, recipe.Read, depth)).ToList();
            var basePath = recipe.Base is { } b ? Find(b, recipe.Read, depth) : null;
            var strategy = KnownStrategies.Named(recipe.Command)
                           ?? throw new UsageException($"the recipe's strategy '{recipe.Command}' is not one this version of soup knows");
            var evaluation = recipe.Weights is null && strategy.Needs.HasFlag(StrategyNeeds.HeldOut) ? request.Evaluation : null;
            if (recipe.Weights is null && strategy.Needs.HasFlag(StrategyNeeds.HeldOut) && evaluation is null)
                throw new StrategyNeedsException(strategy.Name, StrategyNeeds.HeldOut,
                    $"rebaking a {recipe.Strategy} soup recomputes what it measured on the held-out split ({recipe.HeldOut?.Description})");
            var ingredientRequest = new IngredientRequest(ingredients, Options(recipe.Read), basePath);
            using var inputs = RunInputs.Open(ingredientRequest, evaluation, request.Compute, [output.Path, .. protect], observer);
            if (evaluation != null && recipe.HeldOut is { } split && inputs.HeldOut!.Fingerprint != split.Fingerprint)
                throw new InputException(evaluation.HeldOut, $"is not the held-out split the soup was made with ({split.Description})");

            SoupPlan? plan = null;
            try
            {
                ITensorMerge merge;
                if (recipe.Weights is { } weights)
                {
                    merge = recipe.TensorWeights is { } perTensor ? new WeightedMean(weights, perTensor) : new WeightedMean(weights);
                }
                else
                {
                    var values = ParameterValues.FromTexts(strategy.Parameters, recipe.Settings);
                    plan = strategy.Plan(inputs.PlanContext(observer, cancellation), values);
                    merge = plan.Merge;
                }
                var dtype = recipe.Output.DType is { } name ? DTypes.Parse(name) : null;
                observer.Info?.Invoke($"rebaking {Path.GetFileName(output.Path)}: {recipe.Strategy} of {recipe.Ingredients.Count} ingredient(s)");
                return new SoupBaker(inputs.Target).Bake(inputs.Ingredients, merge, output with { DType = dtype }, metadata,
                    observer.Progress, cancellation);
            }
            finally
            {
                plan?.Dispose();
            }
        }

        private string Find(RecipeInput input, RecipeRead read, int depth)
        {
            foreach (var folder in folders)
            {
                var path = Path.Combine(folder, input.File);
                if (!File.Exists(path)) continue;
                string sha;
                using (var reader = KnownCheckpointFormats.Open(path, Options(read) with { StateDictKey = input.WeightsKey ?? read.StateDictKey }))
                    sha = ContentHash.Of(reader, EvaluationCache.None).Sha256;
                if (!string.Equals(sha, input.Sha256, StringComparison.OrdinalIgnoreCase))
                    throw new InputException(path, $"is not the file the recipe names: its SHA-256 is {sha}, the recipe's {input.Sha256}");
                found.Add(new RebakeInput(input.File, path, sha, false, depth));
                return path;
            }
            if (input.Recipe is not { } nested)
                throw new InputException(input.File, $"not found in {string.Join(", ", folders)} (give the folder that holds it with --from)");
            // A soup among the ingredients that is missing: bake it again from its own recipe, and check it.
            var rebuilt = scratch.File($"{depth + 1}-{found.Count}-{input.File}");
            var baked = Bake(nested, new SoupOutput(rebuilt, nested.Output.Format ?? "safetensors", Overwrite: true), MetadataOf(nested),
                depth + 1, []);
            if (!string.Equals(baked.Sha256, input.Sha256, StringComparison.OrdinalIgnoreCase))
                throw new InputException(input.File, $"was missing and rebaking it from its recipe gave SHA-256 {baked.Sha256}, not {input.Sha256}");
            found.Add(new RebakeInput(input.File, rebuilt, baked.Sha256, true, depth));
            return rebuilt;
        }

        // How the recipe read its inputs; whether unsafe pickles may be read is this run's choice, not the recipe's.
        private ReadOptions Options(RecipeRead read) => read.ToOptions() with { AllowUnsafeGlobals = request.AllowUnsafeGlobals };
    }
}
