namespace Soups.Checkpoints;

/// <summary>
/// A checkpoint whose pickle names globals that only an attack uses (<c>posix.system</c>, <c>builtins.eval</c>):
/// <c>torch.load</c> would run them, so the file was tampered with or is unsafe, and soup refuses it unless the read
/// options allow such files as inert data.
/// </summary>
public sealed class UnsafeCheckpointException(string path, IReadOnlyList<string> globals)
    : InputException(path, $"its pickle names {Listed(globals)}, which torch.load would run (a tampered or unsafe file); soup refuses it")
{
    /// <summary>The globals, as <c>module.name</c>.</summary>
    public IReadOnlyList<string> Globals { get; } = globals;

    // A crafted file may name hundreds: the first few identify it.
    private static string Listed(IReadOnlyList<string> globals) =>
        globals.Count <= 5 ? string.Join(", ", globals) : $"{string.Join(", ", globals.Take(5))} and {globals.Count - 5} more";
}
