using System.Globalization;

namespace Soups.Checkpoints.TorchZip;

/// <summary>
/// Finds the weights inside an unpickled torch.save object the way a user expects (issue #8): training scripts save
/// dicts such as <c>{"epoch", "model_state_dict", "optimizer_state_dict", "loss": tensor}</c> (PyTorch's tutorial) or
/// <c>{"state_dict", "best_acc1": tensor, "optimizer", ...}</c> (pytorch/examples). The candidates are the top level
/// and the dicts under <see cref="KnownKeys"/>; the one holding the most non-scalar tensors wins (ties: top level
/// first, then in <see cref="KnownKeys"/> order), so stray scalars and optimizer state (nested under its own keys)
/// are never taken for weights. A named key path overrides the search (e.g. <c>state_dict_ema</c>).
/// </summary>
internal static class StateDictLocator
{
    /// <summary>Keys under which training scripts nest the weights, in the order they are preferred on a tie.</summary>
    public static readonly IReadOnlyList<string> KnownKeys =
        ["state_dict", "model_state_dict", "model", "module", "net", "network", "model_state"];

    /// <summary>The weights (name and tensor-like value), their key path (empty: the top level) and what was left out.</summary>
    public sealed record Located(IReadOnlyList<KeyValuePair<string, object>> Weights, string KeyPath, IReadOnlyList<string> LeftOut);

    /// <summary>Locates the weights in <paramref name="root"/>; <paramref name="keyPath"/> names them explicitly.</summary>
    public static Located Locate(object? root, string? keyPath, string path)
    {
        if (root is not PickleDict top)
            throw new CheckpointFormatException(path,
                $"the pickle holds {Describe(root)}, not a dict of tensors (a whole pickled model? save model.state_dict() instead)");
        if (keyPath != null) return Follow(top, keyPath, path);

        var candidates = new List<(PickleDict Dict, string Key)> { (top, "") };
        foreach (var key in KnownKeys)
            if (top.TryGet(key, out var nested) && nested is PickleDict dict) candidates.Add((dict, key));
        var best = candidates.OrderByDescending(c => WeightCount(c.Dict)).First(); // OrderBy is stable: ties keep order
        if (WeightCount(best.Dict) == 0)
            throw new CheckpointFormatException(path, $"no weights found: the checkpoint holds {Contents(top)}");
        return Select(top, best.Dict, best.Key);
    }

    /// <summary>A short description of a value, e.g. <c>tensor [64, 3]</c>, <c>dict of 12 tensors</c>, <c>int</c>.</summary>
    public static string Describe(object? value) => value switch
    {
        null => "None",
        PickledTensor t => $"tensor [{string.Join(", ", t.Shape)}]",
        PickleDict d when d.Items.Any(kv => IsTensorLike(kv.Value)) =>
            $"dict of {d.Items.Count(kv => IsTensorLike(kv.Value))} tensors",
        PickleDict d => $"dict of {d.Items.Count} entries",
        InertObject o => $"{o.Global} object, not read",
        List<object?> l => $"list of {l.Count}",
        object?[] t => $"tuple of {t.Length}",
        string => "str",
        long or System.Numerics.BigInteger => "int",
        double => "float",
        bool => "bool",
        byte[] => "bytes",
        _ => value.GetType().Name,
    };

    /// <summary>True for a tensor, or for something torch rebuilt that this reader does not understand.</summary>
    public static bool IsTensorLike(object? value) =>
        value is PickledTensor || value is InertObject { Global.Module: var m } && m.StartsWith("torch", StringComparison.Ordinal);

    private static Located Follow(PickleDict top, string keyPath, string path)
    {
        var current = top;
        foreach (var key in keyPath.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!current.TryGet(key, out var next) || next is not PickleDict dict)
                throw new CheckpointFormatException(path, $"no dict at key path '{keyPath}' (the checkpoint holds {Contents(top)})");
            current = dict;
        }
        if (!current.Items.Any(kv => IsTensorLike(kv.Value)))
            throw new CheckpointFormatException(path, $"the dict at key path '{keyPath}' holds no tensors ({Contents(current)})");
        return Select(top, current, keyPath);
    }

    // Tensors that look like weights: a candidate's 0-dim tensors (a loss, best_acc1) do not make it the state dict.
    private static int WeightCount(PickleDict dict) =>
        dict.Items.Count(kv => kv.Key is string && (kv.Value is PickledTensor { Shape.Length: > 0 } || kv.Value is InertObject && IsTensorLike(kv.Value)));

    // The chosen dict's tensors are the weights, except, in a dict that also holds plain values (weights saved beside
    // "epoch" and the like), 0-dim tensors with an undotted name: those are a loss or a metric, not a module's buffer.
    private static Located Select(PickleDict top, PickleDict dict, string keyPath)
    {
        var mixed = dict.Items.Any(kv => !IsTensorLike(kv.Value));
        var weights = new List<KeyValuePair<string, object>>();
        var left = new List<string>();
        foreach (var (key, value) in dict.Items)
        {
            var stray = mixed && value is PickledTensor { Shape.Length: 0 } && key is string s && !s.Contains('.');
            if (key is string name && IsTensorLike(value) && !stray) weights.Add(new(name, value!));
            else left.Add($"{Name(key)} ({Describe(value)})");
        }
        if (keyPath.Length > 0)
        {
            var first = keyPath.Split('.')[0];
            foreach (var (key, value) in top.Items)
                if (!Equals(key, first)) left.Add($"{Name(key)} ({Describe(value)})");
        }
        return new Located(weights, keyPath, left);
    }

    private static string Contents(PickleDict dict)
    {
        var shown = dict.Items.Take(12).Select(kv => $"{Name(kv.Key)} ({Describe(kv.Value)})").ToList();
        if (dict.Items.Count > 12) shown.Add($"... {dict.Items.Count - 12} more");
        return shown.Count == 0 ? "an empty dict" : string.Join(", ", shown);
    }

    private static string Name(object? key) => key switch
    {
        string s => s,
        null => "None",
        _ => Convert.ToString(key, CultureInfo.InvariantCulture) ?? "?",
    };
}
