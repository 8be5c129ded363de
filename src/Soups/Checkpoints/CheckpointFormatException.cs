namespace Soups.Checkpoints;

/// <summary>A checkpoint file that cannot be read: corrupt, truncated, unsupported or unsafe. Exit code 2.</summary>
public sealed class CheckpointFormatException(string path, string problem, Exception? inner = null)
    : SoupException($"{path}: {problem}", BadInput, inner)
{
    /// <summary>The file that could not be read.</summary>
    public string Path { get; } = path;
}
