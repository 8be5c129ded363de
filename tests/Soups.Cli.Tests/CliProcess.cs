using System.Diagnostics;

namespace Soups.Cli.Tests;

/// <summary>
/// Runs the built <c>soup</c> as a separate process, for what only a real process shows: signals, and command-line
/// bytes that are not UTF-8 (passed through <c>/bin/sh</c>, whose <c>printf</c> makes any byte).
/// </summary>
internal static class CliProcess
{
    private static string Dotnet => Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";

    private static string SoupDll => Path.Combine(AppContext.BaseDirectory, "soup.dll");

    /// <summary>The shell command that runs <c>soup</c> (quoted), for scripts that type it, as a person would.</summary>
    public static string Command => $"'{Dotnet}' '{SoupDll}'";

    /// <summary>Starts <c>soup</c> with a shell-quoted argument string (so <c>$(printf ...)</c> works).</summary>
    public static Process Start(string shellArguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec {Command} {shellArguments}");
        return Process.Start(start)!;
    }

    /// <summary>Runs to completion (at most a minute) and returns the exit code and both outputs.</summary>
    public static CliResult Run(string shellArguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Start(shellArguments, workingDirectory, environment);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("soup did not finish within a minute");
        }
        return new CliResult(process.ExitCode, output.Result, error.Result);
    }
}

/// <summary>A test that drives a real terminal through tmux: skipped, with the reason, where tmux is not installed.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class TmuxFactAttribute : FactAttribute
{
    public TmuxFactAttribute()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "tmux")));
        if (!found) Skip = "needs tmux (apt-get install tmux)";
    }
}
