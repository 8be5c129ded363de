using TorchSharp;

namespace Soups.Checkpoints.TorchZip;

/// <summary>A global the pickle names; it is a name, never something that runs.</summary>
/// <param name="Module">The Python module.</param>
/// <param name="Name">The name inside it.</param>
/// <param name="Known">True for the globals torch.save needs for weights; false for anything else (kept inert).</param>
internal sealed record PickleGlobal(string Module, string Name, bool Known)
{
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>
/// What a call or instantiation of a global outside the allow-list stands for (an <c>argparse.Namespace</c>, a config
/// class, a hostile <c>os.system</c>): an inert record of the name, never executed, never used as weights (issue #8).
/// </summary>
internal sealed record InertObject(PickleGlobal Global)
{
    public override string ToString() => Global.ToString();
}

/// <summary>A storage record of a torch.save archive (<c>data/KEY</c>), typed by its legacy storage class.</summary>
/// <param name="Key">The record's name under <c>data/</c>.</param>
/// <param name="DType">The element type, or null when the storage class is not one this tool reads.</param>
/// <param name="ClassName">The storage class as the pickle names it.</param>
/// <param name="ElementCount">Elements in the storage.</param>
internal sealed record TorchStorageRef(string Key, torch.ScalarType? DType, string ClassName, long ElementCount);

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

    /// <summary>Number of storage elements from <see cref="Offset"/> the view can touch (checked against overflow).</summary>
    public long ExtentElements
    {
        get
        {
            if (Shape.Any(s => s == 0)) return 0;
            long last = 0;
            for (var d = 0; d < Shape.Length; d++) last = checked(last + (Shape[d] - 1) * Stride[d]);
            return checked(last + 1);
        }
    }
}
