using System.CommandLine;
using Serilog;
using Serilog.Events;
using Soups.Checkpoints;
using Soups.Cli.Commands;
using Soups.Models;
using Soups.Strategies;

namespace Soups.Cli;

/// <summary>
/// Runs a command body with the shared plumbing: logging to stderr, and the mapping of errors to one line and an
/// exit code (0 ok, 2 bad usage or input, 1 anything else, 130 interrupted).
/// </summary>
internal static class CommandRunner
{
    public const int Interrupted = 130;

    /// <summary>The terminal of the invocation running on this flow (null: plain output).</summary>
    public static readonly AsyncLocal<Terminal.Screen?> CurrentScreen = new();

    public static void SetAction(Command command, CommonOptions common,
        Func<ParseResult, CommandContext, CancellationToken, int> body)
    {
        command.SetAction((parse, cancellation) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var verbosity = common.Verbosity(parse);
            // On a terminal the live display shows progress and steps: information lines are for -v; logs go above it.
            var screen = CurrentScreen.Value;
            using var log = new LoggerConfiguration()
                .MinimumLevel.Is(verbosity switch
                {
                    Verbosity.Quiet => LogEventLevel.Error,
                    Verbosity.Verbose => LogEventLevel.Debug,
                    _ when screen != null => LogEventLevel.Warning,
                    _ => LogEventLevel.Information,
                })
                .WriteTo.Sink(screen is null ? new StderrSink(error) : new Terminal.ScreenSink(screen))
                .CreateLogger();
            var native = NativeStderr.Current;
            if (native != null) native.OnWarning = line => log.Warning("{Native}", line);
            try
            {
                return Task.FromResult(Run(() => body(parse, new CommandContext(output, error, log, verbosity, screen), cancellation),
                    error, verbosity));
            }
            finally
            {
                if (native != null)
                {
                    native.OnWarning = null;
                    // What native code wrote, once each with its count: under -v only, unless it was more than a note.
                    foreach (var line in native.Take()) log.Debug("{Native} (x{Count})", line.Text, line.Count);
                }
            }
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
            var (message, code) = Word(e);
            error.WriteLine($"error: {OneLine(message)}");
            return code;
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
            error.WriteLine("error: out of memory (for learned soups, try --ingredients disk; on compare, --set learned.ingredients=disk)");
            return 1;
        }
        catch (Exception e)
        {
            error.WriteLine($"error: unexpected failure: {e.GetType().Name}: {OneLine(e.Message)} (a bug: please report it; run with -v for details)");
            if (verbosity == Verbosity.Verbose) error.WriteLine(e);
            return 1;
        }
    }

    /// <summary>
    /// The engine's errors in this front end's words, with their exit codes: 2 for bad usage or input (the user can fix
    /// it), 1 when writing failed part way (a full disk). The engine names settings; here they become flags.
    /// </summary>
    internal static (string Message, int ExitCode) Word(SoupException error) => error switch
    {
        OptionException e => ($"--{e.Setting}: {e.Problem}", BadInput),
        OutputException { Problem: OutputProblem.Exists } e => ($"{e.Path}: {e.Detail} (use --force to overwrite)", BadInput),
        OutputException { Problem: OutputProblem.WriteFailed or OutputProblem.NoSpace } e => (e.Message, 1),
        ModelMismatchException { NamesDiffer: true } e => (e.Message + " (rename prefixes with --map-prefix FROM=TO)", BadInput),
        StrategyNeedsException { Missing: StrategyNeeds.Base } e => (e.Message + " (give it with --base)", BadInput),
        StrategyNeedsException { Missing: StrategyNeeds.HeldOut } e => (e.Message + " (give --model and --heldout)", BadInput),
        UnsafeCheckpointException e => (e.Message + " (--allow-unsafe-globals reads it as inert data)", BadInput),
        _ => (error.Message, BadInput),
    };

    /// <summary>Exit code for bad usage or bad input.</summary>
    public const int BadInput = 2;

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);

    // Only the first line of a message: libtorch appends its C++ stack trace after it.
    private static string OneLine(string message) =>
        message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
}
