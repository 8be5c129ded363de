namespace Soups.Cli;

/// <summary>How much goes to stderr.</summary>
internal enum Verbosity
{
    Quiet,
    Normal,
    Verbose,
}
