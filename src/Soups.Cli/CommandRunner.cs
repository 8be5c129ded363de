using System.CommandLine;
using Serilog;
using Serilog.Events;
using Soups.Cli.Commands;

namespace Soups.Cli;

/// <summary>
/// Runs a command body with the shared plumbing: logging to stderr, and the mapping of errors to one line and an
/// exit code (0 ok, 2 bad usage or input, 1 anything else, 130 interrupted).
/// </summary>
internal static class CommandRunner
{
    public const int Interrupted = 130;

    public static void SetAction(Command command, CommonOptions common,
        Func<ParseResult, CommandContext, CancellationToken, int> body)
    {
        command.SetAction((parse, cancellation) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var verbosity = common.Verbosity(parse);
            using var log = new LoggerConfiguration()
                .MinimumLevel.Is(verbosity switch
                {
                    Verbosity.Quiet => LogEventLevel.Error,
                    Verbosity.Verbose => LogEventLevel.Debug,
                    _ => LogEventLevel.Information,
                })
                .WriteTo.Sink(new StderrSink(error))
                .CreateLogger();
            return Task.FromResult(Run(() => body(parse, new CommandContext(output, error, log, verbosity), cancellation),
                error, verbosity));
        });
    }

    private static int Run(Func<int> body, TextWriter error, Verbosity verbosity)
    {
        try
        {
            return body();
        }
        catch (SoupException e)
        {
            error.WriteLine($"error: {OneLine(e.Message)}");
            return e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("error: interrupted; no output was written");
            return Interrupted;
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException)
        {
            error.WriteLine($"error: could not load the torch native libraries: {OneLine(Innermost(e).Message)}");
            if (verbosity == Verbosity.Verbose) error.WriteLine(e);
            return 1;
        }
        catch (OutOfMemoryException)
        {
            error.WriteLine("error: out of memory (for learned soups, try --ingredients disk)");
            return 1;
        }
        catch (Exception e)
        {
            error.WriteLine($"error: unexpected failure: {e.GetType().Name}: {OneLine(e.Message)} (a bug: please report it; run with -v for details)");
            if (verbosity == Verbosity.Verbose) error.WriteLine(e);
            return 1;
        }
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);

    // Only the first line of a message: libtorch appends its C++ stack trace after it.
    private static string OneLine(string message) =>
        message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
}
