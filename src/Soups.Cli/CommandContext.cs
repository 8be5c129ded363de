using Serilog;
using Soups.Souping;
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

    /// <summary>Runs <paramref name="work"/>, showing its progress reports as a bar on stderr when appropriate.</summary>
    public T WithProgress<T>(Func<IProgress<StepProgress>?, T> work)
    {
        if (!ShowProgress) return work(null);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress().AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx => work(new BarProgress(ctx)));
    }

    /// <summary>Runs evaluation work with the evaluator's progress shown as a bar, detaching it afterwards.</summary>
    public T WithProgress<T>(Evaluation.SoupEvaluator evaluator, Func<T> work) => WithProgress(progress =>
    {
        evaluator.Progress = progress;
        try
        {
            return work();
        }
        finally
        {
            evaluator.Progress = null;
        }
    });

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
