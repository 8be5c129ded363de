namespace Soups;

/// <summary>
/// An error the user can act on, with the data to word it. The engine never chooses exit codes or names command-line
/// flags: the CLI maps each kind to an exit code and words it (issue #9). <see cref="Exception.Message"/> is a
/// complete one-line sentence for any other front end.
/// </summary>
public abstract class SoupException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A file, or the data in it, is missing, unreadable, corrupt or unsuitable.</summary>
public class InputException(string path, string problem, Exception? inner = null) : SoupException($"{path}: {problem}", inner)
{
    /// <summary>The file (or folder) at fault.</summary>
    public string Path { get; } = path;

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; } = problem;
}

/// <summary>
/// A setting has a value that cannot be used. <see cref="Setting"/> is the engine's name for it (a strategy parameter
/// such as <c>lr</c>, or a run setting such as <c>batch-size</c>); front ends show it their own way.
/// </summary>
public sealed class OptionException(string setting, string problem) : SoupException($"{setting}: {problem}")
{
    /// <summary>The setting's name.</summary>
    public string Setting { get; } = setting;

    /// <summary>What is wrong with its value.</summary>
    public string Problem { get; } = problem;
}

/// <summary>The inputs do not fit together (none given, one given twice, a strategy's needs unmet).</summary>
public sealed class UsageException(string problem) : SoupException(problem);

/// <summary>Why an output cannot be written.</summary>
public enum OutputProblem
{
    /// <summary>The path is empty.</summary>
    Empty,

    /// <summary>A file is there and overwriting was not asked for.</summary>
    Exists,

    /// <summary>A folder is there.</summary>
    IsFolder,

    /// <summary>The folder it would go in does not exist.</summary>
    NoFolder,

    /// <summary>It is one of the files the run reads.</summary>
    IsAnInput,

    /// <summary>It cannot be created (permissions, a read-only file system).</summary>
    CannotCreate,

    /// <summary>Writing failed part way (a full disk); nothing was written.</summary>
    WriteFailed,

    /// <summary>The file system has less room than the output needs, known before any work.</summary>
    NoSpace,

    /// <summary>The file name is longer than the file system allows.</summary>
    NameTooLong,

    /// <summary>Something that is not a regular file is there (a FIFO, socket or device, or a link to one).</summary>
    NotARegularFile,

    /// <summary>What would be written is more than the format holds (a safetensors header over its limit); nothing was.</summary>
    TooLarge,
}

/// <summary>An output cannot be written; nothing was.</summary>
public sealed class OutputException(string path, OutputProblem problem, string detail, Exception? inner = null)
    : SoupException($"{path}: {detail}", inner)
{
    /// <summary>The output.</summary>
    public string Path { get; } = path;

    /// <summary>What kind of problem it is.</summary>
    public OutputProblem Problem { get; } = problem;

    /// <summary>The problem in words (for <see cref="OutputProblem.IsAnInput"/>, which input it is).</summary>
    public string Detail { get; } = detail;
}
