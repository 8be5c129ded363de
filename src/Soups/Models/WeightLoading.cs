using Soups.Checkpoints;
using TorchSharp;

namespace Soups.Models;

/// <summary>Puts weights into a model, matching state-dict keys strictly (issue #3).</summary>
public static class WeightLoading
{
    /// <summary>Throws a one-line error naming the first differences unless the keys and shapes match exactly.</summary>
    public static void RequireMatch(IModel model, IReadOnlyList<TensorInfo> weights, string source)
    {
        var expected = model.State.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var given = weights.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var missing = expected.Keys.Where(k => !given.ContainsKey(k)).ToList();
        var unexpected = given.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0) throw new ModelMismatchException(source, missing, unexpected, null);
        var wrong = expected.Values.FirstOrDefault(e => !e.Shape.SequenceEqual(given[e.Name].Shape));
        if (wrong != null)
            throw new ModelMismatchException(source, [], [],
                $"tensor '{wrong.Name}' has shape {given[wrong.Name].ShapeText}, the model expects {wrong.ShapeText}");
    }

    /// <summary>Loads every tensor of <paramref name="reader"/> into <paramref name="model"/>, one at a time.</summary>
    public static void Load(IModel model, ICheckpointReader reader)
    {
        RequireMatch(model, reader.Tensors, reader.Path);
        foreach (var info in model.State)
        {
            using var tensor = reader.Read(info.Name);
            model.Assign(info.Name, tensor);
        }
    }

    /// <summary>Loads an in-memory state (e.g. a candidate soup) into <paramref name="model"/>.</summary>
    public static void Load(IModel model, IReadOnlyDictionary<string, torch.Tensor> state, string source)
    {
        RequireMatch(model, state.Select(kv => new TensorInfo(kv.Key, kv.Value.dtype, kv.Value.shape)).ToList(), source);
        foreach (var info in model.State) model.Assign(info.Name, state[info.Name]);
    }
}
