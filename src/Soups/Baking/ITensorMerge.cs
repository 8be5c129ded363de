using TorchSharp;

namespace Soups.Baking;

/// <summary>
/// A strategy's arithmetic for one tensor name: turns the ingredients' tensors of that name (and the base's, when
/// there is one) into the soup's. The baker calls it once per floating-point tensor, one name at a time, so memory
/// holds what one merge needs, never N checkpoints (integer tensors are handled by the baker itself).
/// </summary>
public interface ITensorMerge
{
    /// <summary>The soup's tensor <c>inputs.Info</c>, as <paramref name="dtype"/> on <c>inputs.Device</c>.</summary>
    torch.Tensor Merge(TensorInputs inputs, torch.ScalarType dtype, ICollection<string> warnings);
}

/// <summary>
/// A merge that can also make a tensor's bytes on the CPU in managed code, so that baking it never loads libtorch
/// (issue #12). Both paths must give the same bits.
/// </summary>
public interface IManagedTensorMerge : ITensorMerge
{
    /// <summary>The soup's tensor <c>inputs.Info</c> as <paramref name="dtype"/> bytes, or null when this tensor needs <see cref="ITensorMerge.Merge"/>.</summary>
    Checkpoints.TensorBytes? MergeManaged(TensorInputs inputs, torch.ScalarType dtype, ICollection<string> warnings);
}
