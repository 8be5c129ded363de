using TorchSharp;

namespace Soups.Checkpoints.TorchZip;

/// <summary>A global the allow-listed unpickler accepted; it is a name, never something that runs.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>A storage record of a torch.save archive (<c>data/KEY</c>), typed by its legacy storage class.</summary>
internal sealed record TorchStorageRef(string Key, torch.ScalarType DType, long ElementCount);

/// <summary>A tensor as torch.save describes it: a view (offset, shape, strides) into a storage.</summary>
internal sealed record PickledTensor(TorchStorageRef Storage, long Offset, long[] Shape, long[] Stride)
{
    /// <summary>True when the view is the dense row-major layout of <see cref="Shape"/>.</summary>
    public bool IsContiguous
    {
        get
        {
            long expected = 1;
            for (var d = Shape.Length - 1; d >= 0; d--)
            {
                if (Shape[d] != 1 && Stride[d] != expected) return false;
                expected *= Shape[d];
            }
            return true;
        }
    }

    /// <summary>Number of storage elements from <see cref="Offset"/> the view can touch.</summary>
    public long ExtentElements
    {
        get
        {
            if (Shape.Any(s => s == 0)) return 0;
            long last = 0;
            for (var d = 0; d < Shape.Length; d++) last += (Shape[d] - 1) * Stride[d];
            return last + 1;
        }
    }
}
