using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace Soups.Cli;

/// <summary>
/// Writes log lines to the command's error writer (stderr, or a StringWriter in tests): information as plain
/// sentences, anything else prefixed with its level ("warning: ...").
/// </summary>
internal sealed class StderrSink(TextWriter error) : ILogEventSink
{
    private readonly MessageTemplateTextFormatter _plain = new("{Message:lj}{NewLine}");
    private readonly MessageTemplateTextFormatter _prefixed = new("{Level:w}: {Message:lj}{NewLine}");
    private readonly Lock _gate = new();

    public void Emit(LogEvent logEvent)
    {
        lock (_gate) (logEvent.Level == LogEventLevel.Information ? _plain : _prefixed).Format(logEvent, error);
    }
}
