using Soups.Checkpoints;
using Soups.Ingredients;
using TorchSharp;

namespace Soups.Baking;

/// <summary>
/// Integer tensors (BatchNorm's <c>num_batches_tracked</c>) cannot be averaged: the first ingredient's value is kept,
/// with a warning when the ingredients disagree. Every strategy gets this behaviour from the baker.
/// </summary>
public static class IntegerTensors
{
    /// <summary>The first ingredient's tensor <paramref name="info"/> on <paramref name="device"/>.</summary>
    public static torch.Tensor Pick(IngredientSet ingredients, TensorInfo info, torch.Device device, ICollection<string> warnings)
    {
        using var scope = torch.NewDisposeScope();
        var first = ingredients.Readers[0].Read(info.Name);
        for (var i = 1; i < ingredients.Count; i++)
        {
            using var other = ingredients.Readers[i].Read(info.Name);
            using var equal = first.eq(other);
            using var all = equal.all();
            if (all.item<bool>()) continue;
            warnings.Add($"non-float tensor '{info.Name}' differs between ingredients; kept the value of {ingredients.Readers[0].Path}");
            break;
        }
        return first.to(device).MoveToOuterDisposeScope();
    }
}
