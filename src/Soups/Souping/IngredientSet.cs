using Soups.Checkpoints;
using Soups.FileSystem;

namespace Soups.Souping;

/// <summary>
/// The open checkpoints a soup is made of. Opening reads only their indexes; tensors are read one name at a time.
/// </summary>
public sealed class IngredientSet : IDisposable
{
    private IngredientSet(IReadOnlyList<ICheckpointReader> readers) => Readers = readers;

    /// <summary>One reader per ingredient, in the order given.</summary>
    public IReadOnlyList<ICheckpointReader> Readers { get; }

    /// <summary>Number of ingredients.</summary>
    public int Count => Readers.Count;

    /// <summary>The first ingredient's tensors: the layout every other ingredient must match.</summary>
    public IReadOnlyList<TensorInfo> Layout => Readers[0].Tensors;

    /// <summary>Validates the list (non-empty, no file twice, however spelled) and opens every file.</summary>
    public static IngredientSet Open(IReadOnlyList<string> paths, ReadOptions options)
    {
        if (paths.Count == 0) throw new SoupException("no checkpoints given");
        var seen = new Dictionary<FileIdentity, string>();
        foreach (var path in paths)
        {
            FileSystem.InputFiles.RequireReadable(path);
            var identity = FileIdentity.Of(path)!.Value;
            if (!seen.TryAdd(identity, path))
                throw new SoupException(seen[identity] == path ? $"{path}: given twice" : $"{path}: given twice (it is the same file as {seen[identity]})");
        }
        var readers = new List<ICheckpointReader>(paths.Count);
        try
        {
            foreach (var path in paths) readers.Add(KnownCheckpointFormats.Open(path, options));
        }
        catch
        {
            foreach (var reader in readers) reader.Dispose();
            throw;
        }
        return new IngredientSet(readers);
    }

    /// <summary>Compares every ingredient's tensor names, shapes and dtypes with the first one's.</summary>
    public CompatibilityReport CheckCompatibility() => CompatibilityReport.Compare(Readers);

    /// <summary>Throws <see cref="IncompatibleIngredientsException"/> unless all ingredients match.</summary>
    public void RequireCompatible()
    {
        var report = CheckCompatibility();
        if (!report.IsCompatible) throw new IncompatibleIngredientsException(report);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var reader in Readers) reader.Dispose();
    }
}
