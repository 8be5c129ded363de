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

/// <summary>What every refused command must look like: one <c>error:</c> line saying why, the expected exit code.</summary>
internal static class CliAssert
{
    public static void OneErrorLine(CliResult result, string expected, int exitCode = 2)
    {
        Assert.True(result.ExitCode == exitCode, $"exit {result.ExitCode}, not {exitCode}: {result.Error}");
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: ", line);
        Assert.DoesNotContain("unexpected failure", line);
        Assert.True(line.Contains(expected, StringComparison.Ordinal), line);
    }
}
