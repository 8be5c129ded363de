namespace Soups.Cli.Usage;

/// <summary>
/// The examples each command's help ends with, on the sample shipped in <c>samples/digits</c> and run from the
/// repository root (a test parses each against the real command tree and checks that its files are there). A soup
/// an example reads that is not in the sample (<c>digits-greedy.safetensors</c>) is what another example writes.
/// </summary>
internal static class KnownExamples
{
    private const string Ingredients = "samples/digits/ingredients/*.safetensors";
    private const string FourRuns = "samples/digits/ingredients/ft-lr1e-3-*.safetensors";
    private const string Two = "samples/digits/ingredients/ft-lr1e-3-s1.safetensors samples/digits/ingredients/ft-lr1e-3-s2.safetensors";
    private const string HeldOut = "--model digits-cnn --heldout samples/digits/heldout.safetensors";
    private const string Test = "--test test=samples/digits/test.safetensors";
    private const string Base = "--base samples/digits/pretrained/start.safetensors";

    private static readonly Example MainJob = new("The greedy soup of the sample's 12 fine-tunes, reported on its test split",
        $"greedy {Ingredients} {HeldOut} {Test} -o digits-greedy.safetensors");

    private static readonly Example Comparison = new("Every strategy and the ensembles side by side (report.md, report.json, plot.png)",
        $"compare {Ingredients} {HeldOut} {Test} {Base} --out-dir digits-compare");

    private static readonly Dictionary<string, IReadOnlyList<Example>> ByCommand = new(StringComparer.Ordinal)
    {
        [""] = [MainJob, Comparison],
        ["uniform"] =
        [
            new("The mean of the sample's 12 fine-tunes", $"uniform {Ingredients} -o digits-uniform.safetensors"),
            new("A weighted mean of two, scored beside the best individual", $"uniform {Two} --weights 1,3 {HeldOut} -o digits-weighted.safetensors"),
        ],
        ["greedy"] =
        [
            MainJob,
            new("The rule of the paper's text (keep an ingredient that ties), over two passes",
                $"greedy {Ingredients} {HeldOut} --accept ge --passes 2 -o digits-greedy-ge.safetensors"),
        ],
        ["learned"] =
        [
            new("One mixing coefficient per fine-tune, learned on the held-out split", $"learned {Ingredients} {HeldOut} -o digits-learned.safetensors"),
            new("One coefficient per fine-tune and tensor (the paper's by-layer soup)",
                $"learned {Ingredients} {HeldOut} --granularity layer -o digits-learned-layer.safetensors"),
        ],
        ["interpolate"] =
        [
            new("WiSE-FT: from the pretrained start (A) to a fine-tune (B)",
                $"interpolate samples/digits/pretrained/start.safetensors samples/digits/ingredients/ft-lr1e-3-s2.safetensors {HeldOut} -o digits-wise-ft.safetensors"),
            new("The basin check of two fine-tunes, on a finer grid", $"interpolate {Two} {HeldOut} --alphas 0:1:0.05 -o digits-basin.safetensors"),
        ],
        ["model-stock"] =
        [
            new("Model Stock of the 12 fine-tunes and their pretrained start", $"model-stock {Ingredients} {Base} -o digits-model-stock.safetensors"),
        ],
        ["task-arithmetic"] =
        [
            new("A fixed scale λ = 0.3", $"task-arithmetic {Ingredients} {Base} --scale 0.3 -o digits-task-arithmetic.safetensors"),
            new("λ chosen on the held-out split", $"task-arithmetic {Ingredients} {Base} {HeldOut} -o digits-task-arithmetic-chosen.safetensors"),
        ],
        ["ties"] =
        [
            new("No held-out split: λ = 1", $"ties {Ingredients} {Base} -o digits-ties.safetensors"),
            new("λ chosen on the held-out split from 0 to 2", $"ties {Ingredients} {Base} {HeldOut} --scales 0:2:0.1 -o digits-ties-chosen.safetensors"),
        ],
        ["fisher"] =
        [
            new("Fisher-weighted soup of the four lr 1e-3 runs, each Fisher on 200 held-out examples",
                $"fisher {FourRuns} {HeldOut} --fisher-examples 200 -o digits-fisher.safetensors"),
        ],
        ["search"] =
        [
            new("Every subset of the four lr 1e-3 runs (15 soups), with the test oracle",
                $"search {FourRuns} {HeldOut} {Test} -o digits-search.safetensors"),
            new("A beam search over the 12 fine-tunes", $"search {Ingredients} {HeldOut} --beam 3 -o digits-search-beam.safetensors"),
        ],
        ["compare"] =
        [
            Comparison,
            new("Only some methods", $"compare {Ingredients} {HeldOut} {Base} --strategies uniform,greedy,ties,ensemble --out-dir digits-compare-some"),
            new("Settings per strategy: λ from 0 to 2 for both task-vector soups, TIES keeping half of each task vector",
                $"compare {Ingredients} {HeldOut} {Base} --strategies task-arithmetic,ties --set scales=0:2:0.1 --set ties.density=0.5 " +
                "--out-dir digits-compare-scales"),
        ],
        ["eval"] =
        [
            new("Accuracy and loss of the 12 fine-tunes (cached in soup-evals.jsonl)", $"eval {Ingredients} {HeldOut}"),
            new("Share 0 of 2, as one task of a job array does", $"eval {Ingredients} {HeldOut} --shard 0/2"),
        ],
        ["inspect"] =
        [
            new("What two fine-tunes hold, and how far apart they are", $"inspect {Two}"),
            new("Their task vectors against the pretrained start", $"inspect {FourRuns} {Base}"),
            new("A soup's recipe tree (after the greedy example)", "inspect digits-greedy.safetensors"),
        ],
        ["rebake"] =
        [
            new("Check that the greedy example's soup is reproducible, bit for bit",
                "rebake digits-greedy.safetensors --from samples/digits/ingredients"),
        ],
    };

    /// <summary>The examples of the command named <paramref name="command"/> ("" for the root); none for one not listed.</summary>
    public static IReadOnlyList<Example> For(string command) => ByCommand.TryGetValue(command, out var examples) ? examples : [];

    /// <summary>The commands that have examples ("" for the root).</summary>
    public static IEnumerable<string> Commands => ByCommand.Keys;
}
