using Spectre.Console;

namespace Soups.Cli.Terminal;

/// <summary>
/// The live progress display (issue #13): one line per phase (ingredients k/N, greedy candidates, subsets, tensors
/// baked, ...) with its own counts, detail and ETA. A model's pass over a split (reported per batch) is not a display
/// of its own: it moves the running phase forward by the fraction of the pass done, so a long evaluation still shows
/// progress and an honest estimate.
/// </summary>
internal sealed class LiveProgress(ProgressContext context) : IProgress<StepProgress>
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (ProgressTask Task, long Done, long Total)> _phases = [];
    private string? _current;
    private ProgressTask? _passOnly;

    public void Report(StepProgress value)
    {
        lock (_gate)
        {
            if (value.Step == StepProgress.Pass)
            {
                var fraction = value.Total > 0 ? Math.Clamp(value.Done / (double)value.Total, 0, 1) : 0;
                if (_current is { } phase && _phases[phase] is var (task, done, total) && done < total)
                {
                    task.Value = done + fraction;
                    return;
                }
                // A pass outside any phase (a soup scored beside its baselines): one reused line.
                _passOnly ??= context.AddTask("evaluating", maxValue: 1);
                _passOnly.Value = fraction;
                return;
            }
            var text = Markup.Escape(TerminalSafeWriter.Sanitize(value.Detail ?? $"{value.Step} {value.Done}/{value.Total}"));
            if (!_phases.TryGetValue(value.Step, out var known))
            {
                known = (context.AddTask(text, maxValue: Math.Max(1, value.Total)), 0, value.Total);
            }
            known.Task.Description = text;
            known.Task.MaxValue = Math.Max(1, value.Total);
            known.Task.Value = value.Done;
            _phases[value.Step] = (known.Task, value.Done, value.Total);
            _current = value.Step;
        }
    }
}
