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
        RequireReplayable(recipe, request, request.Soup);
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

    // Everything the replay will need, checked for the whole tree before any file is searched or baked: strategies
    // this version knows, settings they accept, the base and the held-out split they need.
    private static void RequireReplayable(Recipe recipe, RebakeRequest request, string path)
    {
        var strategy = KnownStrategies.Named(recipe.Command)
                       ?? throw new CheckpointFormatException(path, $"the recipe's strategy '{recipe.Command}' is not one this version of soup knows");
        if (strategy.Needs.HasFlag(StrategyNeeds.Base) && recipe.Base is null)
            throw new CheckpointFormatException(path, $"the recipe of {Article(recipe.Strategy)} soup names no base checkpoint, which {strategy.Name} needs");
        if (recipe.Weights is null)
        {
            try
            {
                ParameterValues.FromTexts(strategy.Parameters, recipe.Settings);
            }
            catch (OptionException e)
            {
                throw new CheckpointFormatException(path, $"the recipe's setting {e.Setting}: {e.Problem}");
            }
            if (strategy.Needs.HasFlag(StrategyNeeds.HeldOut) && request.Evaluation is null)
                throw new StrategyNeedsException(strategy.Name, StrategyNeeds.HeldOut,
                    $"rebaking {Article(recipe.Strategy)} soup recomputes what it measured on the held-out split{Described(recipe.HeldOut)}");
        }
        foreach (var input in recipe.Ingredients.Append(recipe.Base))
            if (input?.Recipe is { } nested) RequireReplayable(nested, request, $"{path} (nested recipe of {input.File})");
    }

    // A recipe is read from a file and may describe its split with nothing at all.
    private static string Described(RecipeSplit? split) =>
        split?.Description is { Length: > 0 } description ? $" ({description})" : "";

    private static string Article(string word) => ("aeiou".Contains(char.ToLowerInvariant(word[0])) ? "an " : "a ") + word;

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
        private int _nested;

        public BakeResult Bake(Recipe recipe, SoupOutput output, IReadOnlyDictionary<string, string> metadata, int depth,
            IReadOnlyList<string> protect)
        {
            var ingredients = recipe.Ingredients.Select(i => Find(i, recipe.Read, depth)).ToList();
            var basePath = recipe.Base is { } b ? Find(b, recipe.Read, depth) : null;
            var strategy = KnownStrategies.Named(recipe.Command)!; // checked for the whole tree up front
            var evaluation = recipe.Weights is null && strategy.Needs.HasFlag(StrategyNeeds.HeldOut) ? request.Evaluation : null;
            var ingredientRequest = new IngredientRequest(ingredients, Options(recipe.Read), basePath);
            using var inputs = RunInputs.Open(ingredientRequest, evaluation, request.Compute, [output.Path, .. protect], observer);
            if (evaluation != null && recipe.HeldOut is { } split && inputs.HeldOut!.Fingerprint != split.Fingerprint)
                throw new InputException(evaluation.HeldOut, $"is not the held-out split the soup was made with{Described(split)}");
            if (recipe.TensorWeights is { } named && inputs.Ingredients.Layout.Select(t => t.Name).ToHashSet(StringComparer.Ordinal) is var held
                && named.Keys.FirstOrDefault(n => !held.Contains(n)) is { } stranger)
                throw new CheckpointFormatException(request.Soup, $"the recipe has weights for tensor '{stranger}', which its ingredients do not hold");

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

        // An input is looked for by its plain file name (RecipeCheck) in the --from folders only, first match of
        // content wins; a file that is missing, unreadable or has other content there is passed over for the next folder.
        private string Find(RecipeInput input, RecipeRead read, int depth)
        {
            var others = new List<string>();
            foreach (var folder in folders)
            {
                var path = Path.Combine(folder, input.File);
                if (FileIdentity.TypeOf(path) != FileType.File) continue; // missing, a link loop, a folder, a FIFO
                string sha;
                try
                {
                    using var reader = KnownCheckpointFormats.Open(path, Options(read) with { StateDictKey = input.WeightsKey ?? read.StateDictKey });
                    sha = ContentHash.Of(reader, EvaluationCache.None).Sha256;
                }
                catch (InputException e) when (e is not UnsafeCheckpointException) // a dangerous file is refused, never passed over
                {
                    others.Add($"{path} cannot be read ({e.Problem})");
                    continue;
                }
                if (!string.Equals(sha, input.Sha256, StringComparison.OrdinalIgnoreCase))
                {
                    others.Add($"{path} has SHA-256 {sha}");
                    continue;
                }
                found.Add(new RebakeInput(input.File, path, sha, false, depth));
                return path;
            }
            if (input.Recipe is not { } nested)
            {
                var where = string.Join(", ", folders);
                throw new InputException(input.File, others.Count == 0
                    ? $"not found in {where} (give the folder that holds it with --from)"
                    : $"no file in {where} is the one the recipe names (SHA-256 {input.Sha256}): {string.Join("; ", others)}");
            }
            // A soup among the ingredients that is missing: bake it again from its own recipe, into a scratch file
            // whose name the tool makes (never one the recipe gives), and check it.
            var rebuilt = scratch.File($"nested-{++_nested}.safetensors");
            var baked = Bake(nested, new SoupOutput(rebuilt, nested.Output.Format ?? "safetensors", Overwrite: false), MetadataOf(nested),
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
