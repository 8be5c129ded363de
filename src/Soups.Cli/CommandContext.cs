using Serilog;
using Soups.Runs;
using Spectre.Console;

namespace Soups.Cli;

/// <summary>What a running command may use to talk to the user: stdout, a logger on stderr, progress bars.</summary>
internal sealed class CommandContext(TextWriter output, TextWriter error, ILogger log, Verbosity verbosity)
{
    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    public ILogger Log { get; } = log;

    public Verbosity Verbosity { get; } = verbosity;

    /// <summary>Progress bars only for a person watching: stderr is a terminal and not --quiet.</summary>
    private bool ShowProgress => Verbosity != Verbosity.Quiet && Error is TerminalSafeWriter { Inner: var inner }
                                 && ReferenceEquals(inner, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>What the engine reports, routed to the log (and progress to <paramref name="progress"/>).</summary>
    public RunObserver Observer(IProgress<StepProgress>? progress = null) => new()
    {
        Info = line => Log.Information("{Line}", line),
        Detail = line => Log.Debug("{Line}", line),
        Warning = line => Log.Warning("{Warning}", line),
        Progress = progress,
    };

    /// <summary>Runs <paramref name="work"/>, showing its progress reports as bars on stderr when appropriate.</summary>
    public T WithProgress<T>(Func<IProgress<StepProgress>?, T> work)
    {
        if (!ShowProgress) return work(null);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress().AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx => work(new BarProgress(ctx)));
    }

    private sealed class BarProgress(ProgressContext context) : IProgress<StepProgress>
    {
        private readonly Dictionary<string, ProgressTask> _tasks = [];

        public void Report(StepProgress value)
        {
            if (!_tasks.TryGetValue(value.Step, out var task))
                _tasks[value.Step] = task = context.AddTask(Markup.Escape(value.Step), maxValue: Math.Max(1, value.Total));
            task.MaxValue = Math.Max(1, value.Total);
            task.Value = value.Done;
        }
    }
}
