using Soups.Checkpoints;
using TorchSharp;

namespace Soups.Models;

/// <summary>The sample's <see cref="DigitsCnn"/>; the class count comes from <c>head.weight</c>.</summary>
public sealed class DigitsCnnFamily : IModelFamily
{
    /// <inheritdoc />
    public string Name => "digits-cnn";

    /// <inheritdoc />
    public string Description => "the small CNN of samples/digits (1x28x28 input)";

    /// <inheritdoc />
    public string Identity => Name;

    /// <inheritdoc />
    public IModel Create(IReadOnlyList<TensorInfo> layout, torch.Device device)
    {
        var classes = layout.FirstOrDefault(t => t.Name == "head.weight")?.Shape[0] ?? 10;
        var module = new DigitsCnn((int)classes);
        return new ModuleModel(module, module.forward, device);
    }
}
