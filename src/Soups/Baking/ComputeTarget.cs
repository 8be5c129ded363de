using TorchSharp;

namespace Soups.Baking;

/// <summary>
/// Where a run computes. Whether that is the CPU is known without libtorch; the torch device is resolved — and
/// libtorch loaded — only when first asked for, so that work done in managed code (a uniform soup on the CPU) never
/// pays for loading libtorch (issue #12).
/// </summary>
public sealed class ComputeTarget
{
    private readonly Lazy<torch.Device> _device;

    /// <summary>A target that is the CPU when <paramref name="isCpu"/>, resolved by <paramref name="resolve"/> when needed.</summary>
    public ComputeTarget(bool isCpu, Func<torch.Device> resolve)
    {
        IsCpu = isCpu;
        _device = new Lazy<torch.Device>(resolve, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>True when the computing happens on the CPU.</summary>
    public bool IsCpu { get; }

    /// <summary>The torch device (loads libtorch on first use).</summary>
    public torch.Device Device => _device.Value;

    /// <summary>A target for an already resolved device.</summary>
    public static implicit operator ComputeTarget(torch.Device device) => new(device.type == DeviceType.CPU, () => device);
}
