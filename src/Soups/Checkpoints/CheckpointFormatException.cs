namespace Soups.Checkpoints;

/// <summary>A checkpoint file that cannot be read: corrupt, truncated, unsupported or unsafe.</summary>
public sealed class CheckpointFormatException(string path, string problem, Exception? inner = null)
    : InputException(path, problem, inner);
