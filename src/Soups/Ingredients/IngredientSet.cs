using Soups.Checkpoints;
using Soups.FileSystem;

namespace Soups.Ingredients;

/// <summary>
/// The open checkpoints a soup is made of, and optionally the pretrained base they were fine-tuned from. Opening reads
/// only their indexes; tensors are read one name at a time. The base is checked like an ingredient but is never one:
/// it is averaged into nothing unless a strategy asks for it by name (issue #9).
/// </summary>
public sealed class IngredientSet : IDisposable
{
    private IngredientSet(IReadOnlyList<ICheckpointReader> readers, ICheckpointReader? baseReader)
    {
        Readers = readers;
        Base = baseReader;
    }

    /// <summary>One reader per ingredient, in the order given.</summary>
    public IReadOnlyList<ICheckpointReader> Readers { get; }

    /// <summary>The pretrained base, when one was given.</summary>
    public ICheckpointReader? Base { get; }

    /// <summary>Number of ingredients (the base not counted).</summary>
    public int Count => Readers.Count;

    /// <summary>The first ingredient's tensors: the layout every other ingredient (and the base) must match.</summary>
    public IReadOnlyList<TensorInfo> Layout => Readers[0].Tensors;

    /// <summary>The ingredients, then the base.</summary>
    public IEnumerable<ICheckpointReader> All => Base is null ? Readers : Readers.Append(Base);

    /// <summary>Validates the list (non-empty, no file twice however spelled, the base not an ingredient) and opens every file.</summary>
    public static IngredientSet Open(IReadOnlyList<string> paths, ReadOptions options, string? basePath = null)
    {
        if (paths.Count == 0) throw new UsageException("no checkpoints given");
        var seen = new Dictionary<FileIdentity, string>();
        foreach (var path in paths.Concat(basePath is null ? [] : [basePath]))
        {
            InputFiles.RequireReadable(path);
            var identity = FileIdentity.Of(path)!.Value;
            if (seen.TryAdd(identity, path)) continue;
            if (path == basePath) throw new InputException(path, $"is both the base and an ingredient ({seen[identity]})");
            throw new InputException(path, seen[identity] == path ? "given twice" : $"given twice (it is the same file as {seen[identity]})");
        }
        var readers = new List<ICheckpointReader>(paths.Count);
        ICheckpointReader? baseReader = null;
        try
        {
            foreach (var path in paths) readers.Add(KnownCheckpointFormats.Open(path, options));
            if (basePath != null) baseReader = KnownCheckpointFormats.Open(basePath, options);
        }
        catch
        {
            foreach (var reader in readers) reader.Dispose();
            throw;
        }
        return new IngredientSet(readers, baseReader);
    }

    /// <summary>Compares every ingredient's (and the base's) tensor names, shapes and dtypes with the first one's.</summary>
    public CompatibilityReport CheckCompatibility() => CompatibilityReport.Compare([.. All]);

    /// <summary>Throws <see cref="IncompatibleIngredientsException"/> unless all ingredients (and the base) match.</summary>
    public void RequireCompatible()
    {
        var report = CheckCompatibility();
        if (!report.IsCompatible) throw new IncompatibleIngredientsException(report);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var reader in All) reader.Dispose();
    }
}
