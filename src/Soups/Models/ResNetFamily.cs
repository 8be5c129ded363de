using Soups.Checkpoints;
using TorchSharp;

namespace Soups.Models;

/// <summary>torchvision's ResNets (TorchVision for .NET uses the same state-dict keys as Python's torchvision).</summary>
public sealed class ResNetFamily(int depth) : IModelFamily
{
    /// <inheritdoc />
    public string Name => $"resnet{depth}";

    /// <inheritdoc />
    public string Description => $"torchvision ResNet-{depth} (3x224x224 input, classes from fc.weight)";

    /// <inheritdoc />
    public string Identity => Name;

    /// <inheritdoc />
    public IModel Create(IReadOnlyList<TensorInfo> layout, torch.Device device)
    {
        var classes = (int)(layout.FirstOrDefault(t => t.Name == "fc.weight")?.Shape[0] ?? 1000);
        var module = depth switch
        {
            18 => torchvision.models.resnet18(classes),
            34 => torchvision.models.resnet34(classes),
            50 => torchvision.models.resnet50(classes),
            101 => torchvision.models.resnet101(classes),
            152 => torchvision.models.resnet152(classes),
            _ => throw new ArgumentOutOfRangeException(nameof(depth)),
        };
        return new ModuleModel(module, module.forward, device);
    }
}
