using Soups.Checkpoints;
using Soups.Ingredients;
using TorchSharp;

namespace Soups.Baking;

/// <summary>The tensors of one name across the ingredients (and the base), read on demand: each read is a fresh tensor the caller disposes.</summary>
public sealed class TensorInputs(IngredientSet ingredients, TensorInfo info, ComputeTarget target)
{
    /// <summary>The tensor being merged.</summary>
    public TensorInfo Info { get; } = info;

    /// <summary>Where the merge computes (loads libtorch on first use).</summary>
    public torch.Device Device => target.Device;

    /// <summary>True when the merge computes on the CPU (known without loading libtorch).</summary>
    public bool OnCpu => target.IsCpu;

    /// <summary>Number of ingredients.</summary>
    public int Count => ingredients.Count;

    /// <summary>True when a base checkpoint was given.</summary>
    public bool HasBase => ingredients.Base != null;

    /// <summary>Ingredient <paramref name="index"/>'s tensor, on the CPU as stored.</summary>
    public torch.Tensor Ingredient(int index) => ingredients.Readers[index].Read(Info.Name);

    /// <summary>The base's tensor, on the CPU as stored.</summary>
    public torch.Tensor Base() =>
        (ingredients.Base ?? throw new UsageException("this strategy needs a base checkpoint")).Read(Info.Name);

    /// <summary>Elements [<paramref name="start"/>, +<paramref name="count"/>) of ingredient <paramref name="index"/>'s tensor, flattened.</summary>
    public torch.Tensor IngredientRange(int index, long start, long count) => ingredients.Readers[index].ReadRange(Info.Name, start, count);

    /// <summary>Elements [<paramref name="start"/>, +<paramref name="count"/>) of the base's tensor, flattened.</summary>
    public torch.Tensor BaseRange(long start, long count) =>
        (ingredients.Base ?? throw new UsageException("this strategy needs a base checkpoint")).ReadRange(Info.Name, start, count);

    /// <summary>The dtype the ingredients store this tensor in (<see cref="Info"/> holds the output's, which an override may change).</summary>
    public torch.ScalarType StoredDType => _stored ??= ingredients.LayoutOf(Info.Name).DType;

    private torch.ScalarType? _stored;

    /// <summary>True when ingredient <paramref name="index"/>'s stored bytes can be copied straight into caller memory.</summary>
    public bool CanReadRaw(int index) => ingredients.Readers[index].CanReadRaw(Info.Name);

    /// <summary>The stored bytes of ingredient <paramref name="index"/>'s elements from <paramref name="start"/> into <paramref name="destination"/>.</summary>
    public void ReadRaw(int index, long start, Span<byte> destination) => ingredients.Readers[index].ReadRaw(Info.Name, start, destination);

    /// <summary>The tensor in slices of at most <paramref name="elements"/> elements: (start, count) pairs.</summary>
    public IEnumerable<(long Start, long Count)> Slices(long elements)
    {
        var total = Info.ElementCount;
        for (long start = 0; start < total; start += elements) yield return (start, Math.Min(elements, total - start));
    }

    /// <summary>Ingredient <paramref name="index"/>'s file, for messages.</summary>
    public string PathOf(int index) => ingredients.Readers[index].Path;
}
