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
        _layoutByName = new(() => Layout.ToDictionary(t => t.Name, StringComparer.Ordinal));
    }

    // Per-tensor lookups go through this index: a scan of the layout per tensor makes a soup quadratic in tensors.
    private readonly Lazy<Dictionary<string, TensorInfo>> _layoutByName;

    /// <summary>One reader per ingredient, in the order given.</summary>
    public IReadOnlyList<ICheckpointReader> Readers { get; }

    /// <summary>The pretrained base, when one was given.</summary>
    public ICheckpointReader? Base { get; }

    /// <summary>Number of ingredients (the base not counted).</summary>
    public int Count => Readers.Count;

    /// <summary>The first ingredient's tensors: the layout every other ingredient (and the base) must match.</summary>
    public IReadOnlyList<TensorInfo> Layout => Readers[0].Tensors;

    /// <summary>The layout's entry named <paramref name="name"/> (as the ingredients store it).</summary>
    public TensorInfo LayoutOf(string name) =>
        _layoutByName.Value.TryGetValue(name, out var info) ? info : throw new KeyNotFoundException($"no tensor named '{name}'");

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
        var all = basePath is null ? paths : [.. paths, basePath];
        var opened = OpenAll(all, options);
        return new IngredientSet(opened[..paths.Count], basePath is null ? null : opened[^1]);
    }

    // The files are opened side by side on the CPU threads (reading the index of a checkpoint of a million tensors takes
    // seconds). A failure is the first file's in the order given, whichever thread met it first, and closes the others.
    private static ICheckpointReader[] OpenAll(IReadOnlyList<string> paths, ReadOptions options)
    {
        var readers = new ICheckpointReader?[paths.Count];
        var errors = new Exception?[paths.Count];
        Parallel.For(0, paths.Count, new ParallelOptions { MaxDegreeOfParallelism = Threads.Count }, i =>
        {
            try
            {
                readers[i] = KnownCheckpointFormats.Open(paths[i], options);
            }
            catch (Exception e)
            {
                errors[i] = e;
            }
        });
        if (Array.Find(errors, e => e != null) is not { } error) return readers!;
        foreach (var reader in readers) reader?.Dispose();
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        return [];
    }

    /// <summary>Compares every ingredient's (and the base's) tensor names, shapes and dtypes with the first one's.</summary>
    public CompatibilityReport CheckCompatibility() => _compatibility ??= CompatibilityReport.Compare([.. All]);

    // Readers never change, so the comparison (a pass over every tensor of every file) is made once per set.
    private CompatibilityReport? _compatibility;

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
