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
