namespace Soups.FileSystem;

/// <summary>
/// Every file a run reads, by identity (device and inode), so that no output can be one of them however its path is
/// spelled: through a symlinked folder, as a hard link, as one shard of a sharded input, or as the held-out split
/// (issue #8: "inputs are never touched, whatever the path").
/// </summary>
public sealed class InputGuard
{
    private readonly Dictionary<FileIdentity, string> _inputs = [];

    /// <summary>Records <paramref name="paths"/> as inputs, described as <paramref name="role"/> in errors.</summary>
    public void Add(string role, IEnumerable<string> paths)
    {
        foreach (var path in paths)
            if (FileIdentity.Of(path) is { } identity) _inputs.TryAdd(identity, $"{role} {path}");
    }

    /// <summary>Records one input file.</summary>
    public void Add(string role, string path) => Add(role, [path]);

    /// <summary>Throws when <paramref name="output"/> names a file that is one of the inputs.</summary>
    public void RequireNotAnInput(string output)
    {
        if (FileIdentity.Of(output) is { } identity && _inputs.TryGetValue(identity, out var input))
            throw new OutputException(output, OutputProblem.IsAnInput, $"is the same file as the {input}; inputs are never overwritten");
    }
}
