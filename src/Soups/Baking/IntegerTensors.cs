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

    /// <summary>
    /// <see cref="Pick"/> from the stored bytes, without libtorch (equal integer tensors are equal bytes); null when an
    /// ingredient cannot hand out its bytes.
    /// </summary>
    public static TensorBytes? PickManaged(IngredientSet ingredients, TensorInfo info, ICollection<string> warnings)
    {
        if (!DTypes.IsSupported(info.DType) || ingredients.Readers.Any(r => !r.CanReadRaw(info.Name))) return null;
        var first = new NativeTensorBytes(info.ByteCount);
        try
        {
            var elementSize = DTypes.ElementSize(info.DType);
            var chunk = TensorBytes.MaxSpan / elementSize;
            for (long start = 0; start < info.ElementCount; start += chunk)
            {
                var count = Math.Min(chunk, info.ElementCount - start);
                ingredients.Readers[0].ReadRaw(info.Name, start, first.Span(start * elementSize, (int)(count * elementSize)));
            }
            var other = new byte[(int)Math.Min(info.ByteCount, 1 << 20)];
            var differs = false;
            for (var i = 1; i < ingredients.Count && !differs; i++)
            {
                var perRead = other.Length / elementSize;
                for (long start = 0; start < info.ElementCount && !differs; start += perRead)
                {
                    var bytes = (int)(Math.Min(perRead, info.ElementCount - start) * elementSize);
                    ingredients.Readers[i].ReadRaw(info.Name, start, other.AsSpan(0, bytes));
                    differs = !other.AsSpan(0, bytes).SequenceEqual(first.Span(start * elementSize, bytes));
                }
            }
            if (differs)
                warnings.Add($"non-float tensor '{info.Name}' differs between ingredients; kept the value of {ingredients.Readers[0].Path}");
            return first;
        }
        catch
        {
            first.Dispose();
            throw;
        }
    }
}
