using Soups.Checkpoints;
using Soups.Ingredients;
using TorchSharp;

namespace Soups.Baking;

/// <summary>The tensors of one name across the ingredients (and the base), read on demand: each read is a fresh tensor the caller disposes.</summary>
public sealed class TensorInputs(IngredientSet ingredients, TensorInfo info, torch.Device device)
{
    /// <summary>The tensor being merged.</summary>
    public TensorInfo Info { get; } = info;

    /// <summary>Where the merge computes.</summary>
    public torch.Device Device { get; } = device;

    /// <summary>Number of ingredients.</summary>
    public int Count => ingredients.Count;

    /// <summary>True when a base checkpoint was given.</summary>
    public bool HasBase => ingredients.Base != null;

    /// <summary>Ingredient <paramref name="index"/>'s tensor, on the CPU as stored.</summary>
    public torch.Tensor Ingredient(int index) => ingredients.Readers[index].Read(Info.Name);

    /// <summary>The base's tensor, on the CPU as stored.</summary>
    public torch.Tensor Base() =>
        (ingredients.Base ?? throw new UsageException("this strategy needs a base checkpoint")).Read(Info.Name);

    /// <summary>Ingredient <paramref name="index"/>'s file, for messages.</summary>
    public string PathOf(int index) => ingredients.Readers[index].Path;
}
