namespace Soups;

/// <summary>
/// An error the user can act on. The CLI prints <see cref="Exception.Message"/> as one line and exits with
/// <see cref="ExitCode"/>; no stack trace is shown.
/// </summary>
public class SoupException : Exception
{
    /// <summary>Exit code for bad usage or bad input (issue #2: "2 bad usage or bad input").</summary>
    public const int BadInput = 2;

    /// <summary>Creates an error with the given exit code (2 unless stated).</summary>
    public SoupException(string message, int exitCode = BadInput, Exception? inner = null)
        : base(message, inner) => ExitCode = exitCode;

    /// <summary>The process exit code this error maps to.</summary>
    public int ExitCode { get; }
}
