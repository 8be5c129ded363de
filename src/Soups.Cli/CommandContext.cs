using Serilog;
using Soups.Cli.Printing;
using Soups.Cli.Terminal;
using Soups.Runs;
using Spectre.Console;

namespace Soups.Cli;

/// <summary>
/// What a running command may use to talk to the user: stdout, a logger on stderr, and — on a terminal — the live
/// progress display, step lines and tables that fit (issue #13).
/// </summary>
internal sealed class CommandContext(TextWriter output, TextWriter error, ILogger log, Verbosity verbosity, Screen? screen = null)
{
    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    public ILogger Log { get; } = log;

    public Verbosity Verbosity { get; } = verbosity;

    /// <summary>The terminal, when a person is watching one.</summary>
    public Screen? Screen { get; } = screen;

    /// <summary>True when steps are shown live on the terminal (so the final summary leaves them out).</summary>
    public bool Live => Screen != null && Verbosity != Verbosity.Quiet;

    /// <summary>Where results are printed: a table that fits the terminal when stdout is one, plain columns otherwise.</summary>
    public Sheet Sheet => Screen?.Output is { } terminal ? Sheet.Rich(terminal) : Sheet.Plain(Output);

    /// <summary>What the engine reports: logs, step lines (live on a terminal), progress to <paramref name="progress"/>.</summary>
    public RunObserver Observer(IProgress<StepProgress>? progress = null) => new()
    {
        Info = line => Log.Information("{Line}", line),
        Detail = line => Log.Debug("{Line}", line),
        Warning = line => Log.Warning("{Warning}", line),
        Step = Screen is { } screen && Verbosity != Verbosity.Quiet
            ? (line, tone) => screen.Line(line, tone switch
            {
                NoteTone.Good => new Style(Color.Green),
                NoteTone.Muted => new Style(Color.Grey),
                _ => Style.Plain,
            })
            : null,
        Progress = progress,
    };

    /// <summary>Runs <paramref name="work"/>, showing its progress live on the terminal when a person is watching.</summary>
    public T WithProgress<T>(Func<IProgress<StepProgress>?, T> work)
    {
        if (!Live) return work(null);
        return Screen!.Error.Progress().AutoClear(true).HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new RemainingTimeColumn())
            .Start(ctx => work(new LiveProgress(ctx)));
    }
}
