using TorchSharp;

namespace Soups.Checkpoints;

/// <summary>What a checkpoint says about one tensor before any of its data is read.</summary>
public sealed record TensorInfo(string Name, torch.ScalarType DType, long[] Shape)
{
    /// <summary>Number of elements.</summary>
    public long ElementCount
    {
        get
        {
            // A loop, not Aggregate: asked several times per tensor while a soup is baked.
            var count = 1L;
            foreach (var d in Shape) count *= d;
            return count;
        }
    }

    /// <summary>Size of the data in bytes.</summary>
    public long ByteCount => ElementCount * DTypes.ElementSize(DType);

    /// <summary>The shape as PyTorch prints it, e.g. <c>[64, 3, 7, 7]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>True for floating-point tensors, the ones a soup averages.</summary>
    public bool IsFloatingPoint => DTypes.IsFloatingPoint(DType);
}
