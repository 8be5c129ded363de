using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;
using Spectre.Console;

namespace Soups.Cli.Terminal;

/// <summary>Log lines on the screen: whole, from column 0, above any live display; warnings yellow, errors red.</summary>
internal sealed class ScreenSink(Screen screen) : ILogEventSink
{
    private readonly MessageTemplateTextFormatter _plain = new("{Message:lj}");
    private readonly MessageTemplateTextFormatter _prefixed = new("{Level:w}: {Message:lj}");

    public void Emit(LogEvent logEvent)
    {
        var text = new StringWriter();
        (logEvent.Level == LogEventLevel.Information ? _plain : _prefixed).Format(logEvent, text);
        var style = logEvent.Level switch
        {
            >= LogEventLevel.Error => new Style(Color.Red),
            LogEventLevel.Warning => new Style(Color.Yellow),
            LogEventLevel.Debug or LogEventLevel.Verbose => new Style(Color.Grey),
            _ => Style.Plain,
        };
        screen.Line(text.ToString(), style);
    }
}
