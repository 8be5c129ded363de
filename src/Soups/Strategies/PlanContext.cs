using Soups.Baking;
using Soups.Evaluation;
using Soups.Ingredients;
using TorchSharp;

namespace Soups.Strategies;

/// <summary>A named split a run reports on.</summary>
public sealed record NamedSplit(string Name, IHeldOutSplit Split);

/// <summary>
/// What a strategy may use while planning: the ingredients (and base), the device, and — when it needs them — the
/// evaluator and the splits. Strategies never print: what they want said goes through <see cref="Note"/>.
/// </summary>
public sealed class PlanContext(IngredientSet ingredients, ComputeTarget target, Evaluator? evaluator, IHeldOutSplit? heldOut,
    IReadOnlyList<NamedSplit> tests, CancellationToken cancellation)
{
    private readonly List<string> _warnings = [];
    private readonly HashSet<string> _told = [];

    /// <summary>The ingredients, and the base when given.</summary>
    public IngredientSet Ingredients { get; } = ingredients;

    /// <summary>Where tensors are mixed and models run (loads libtorch on first use).</summary>
    public torch.Device Device => Target.Device;

    /// <summary>Where tensors are mixed and models run, known without loading libtorch.</summary>
    public ComputeTarget Target { get; } = target;

    /// <summary>True when the run evaluates (a model and a held-out split were given).</summary>
    public bool HasEvaluator => evaluator != null && heldOut != null;

    /// <summary>Scores weights on splits (strategies that need a held-out split).</summary>
    public Evaluator Evaluator => evaluator ?? throw new UsageException("this strategy needs a model and a held-out split");

    /// <summary>The split choices are made on.</summary>
    public IHeldOutSplit HeldOut => heldOut ?? throw new UsageException("this strategy needs a held-out split");

    /// <summary>Splits that are only reported, never used to choose.</summary>
    public IReadOnlyList<NamedSplit> Tests { get; } = tests;

    /// <summary>Stops the plan.</summary>
    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>Step progress of long plans (a search over subsets), for progress bars with an ETA.</summary>
    public IProgress<StepProgress>? Progress { get; init; }

    /// <summary>Receives progress notes (one line each) for the front end to show.</summary>
    public Action<string>? OnNote { get; init; }

    /// <summary>Warnings gathered while planning (e.g. from building candidate soups).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>The <see cref="Warnings"/> not yet told to <see cref="OnWarning"/>.</summary>
    public IReadOnlyList<string> Untold => _warnings.Where(w => !_told.Contains(w)).ToList();

    /// <summary>Receives step lines (a greedy candidate and its verdict): one per step, with its tone.</summary>
    public Action<string, NoteTone>? OnStep { get; init; }

    /// <summary>Receives each warning of <see cref="Warn"/> as it is made, so a person sees it while the run goes on.</summary>
    public Action<string>? OnWarning { get; init; }

    /// <summary>Says one line of progress.</summary>
    public void Note(string line) => OnNote?.Invoke(line);

    /// <summary>Says something the user should act on (a choice at the edge of its grid); it is also kept in the report.</summary>
    public void Warn(string warning)
    {
        _warnings.Add(warning);
        if (OnWarning is not { } tell) return;
        tell(warning);
        _told.Add(warning);
    }

    /// <summary>Says one step's outcome (shown once: live in a terminal, as a log line otherwise).</summary>
    public void Step(string line, NoteTone tone)
    {
        if (OnStep is { } step) step(line, tone);
        else OnNote?.Invoke(line);
    }

    /// <summary>Reports progress of a phase.</summary>
    public void Report(string step, long done, long total, string? detail = null) =>
        Progress?.Report(new StepProgress(step, done, total, detail));

    /// <summary>Builds the soup <paramref name="merge"/> makes in memory and scores it on <paramref name="split"/>.</summary>
    public EvalResult Score(ITensorMerge merge, string label, IHeldOutSplit split)
    {
        using var soup = SoupState.Build(Ingredients, merge, Device, _warnings);
        return Evaluator.Score(soup.Tensors, label, split, Cancellation);
    }
}
