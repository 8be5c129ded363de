namespace Soups.Checkpoints;

/// <summary>One checkpoint file format: how to recognise it, open it lazily and write it.</summary>
public interface ICheckpointFormat
{
    /// <summary>Short name used by <c>--format</c> and in reports.</summary>
    string Name { get; }

    /// <summary>File name endings that select this format for an output path, e.g. <c>.safetensors</c>.</summary>
    IReadOnlyList<string> OutputExtensions { get; }

    /// <summary>True when the file's first bytes (and name) say it is in this format.</summary>
    bool Recognizes(string path, ReadOnlySpan<byte> head);

    /// <summary>Opens the file; reads only its index.</summary>
    ICheckpointReader Open(string path, ReadOptions options);

    /// <summary>Writes tensors one at a time, or null when the format is read-only here.</summary>
    ICheckpointWriter? Writer { get; }
}
