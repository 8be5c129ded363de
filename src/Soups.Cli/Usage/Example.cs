namespace Soups.Cli.Usage;

/// <summary>One example of a command's help: what it does, and the command line (after <c>soup</c>) that does it.</summary>
/// <param name="Purpose">What the example shows, as a phrase.</param>
/// <param name="Arguments">The arguments, as typed in a shell from the repository root (globs included).</param>
internal sealed record Example(string Purpose, string Arguments);
