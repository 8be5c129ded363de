namespace Soups.Cli.Tests;

/// <summary>The result of running the CLI.</summary>
internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Runs the CLI in-process, with stdout and stderr captured.</summary>
internal static class CliRun
{
    public static CliResult Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = SoupCli.RunAsync(args, output, error).GetAwaiter().GetResult();
        return new CliResult(code, output.ToString(), error.ToString());
    }
}
