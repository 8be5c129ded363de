using System.Runtime.InteropServices;
using Soups.FileSystem;
using Soups.Cli;

HeapPolicy.KeepLargeBlocksMapped();
Soups.Runs.NativeEnvironment.Prepare();
// Whether a person watches stderr is asked of the terminal before stderr becomes the pipe that keeps native writes off it.
var screen = Soups.Cli.Terminal.Screen.Detect();
if (NativeStderr.Capture() != null)
{
    // The runtime would report a crash on the captured descriptor, where no one would see it.
    AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        Console.Error.WriteLine($"error: unexpected failure: {e.ExceptionObject} (a bug: please report it)");
}

// SIGINT and SIGTERM cancel the running command, which removes its temporary files and exits 130. A command stuck in
// a long native call gets a few seconds; then its temporary files are removed here and the process exits (issue #8).
using var cancellation = new CancellationTokenSource();
var interrupted = 0;
void Interrupt(PosixSignalContext context)
{
    context.Cancel = true;
    if (Interlocked.Increment(ref interrupted) == 1)
    {
        cancellation.Cancel();
        _ = Task.Delay(TimeSpan.FromSeconds(5)).ContinueWith(_ => Abort());
    }
    else
    {
        Abort();
    }
}
void Abort()
{
    AtomicFile.AbortAll();
    Console.Error.WriteLine("error: interrupted; no output was written");
    Environment.Exit(CommandRunner.Interrupted);
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
return await SoupCli.RunAsync(RawArguments.Recover(args), Console.Out, Console.Error, screen, cancellation.Token);
