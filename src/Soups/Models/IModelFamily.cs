using Soups.Checkpoints;
using TorchSharp;

namespace Soups.Models;

/// <summary>A kind of model <c>--model</c> can name; it builds a network shaped for a checkpoint's tensors.</summary>
public interface IModelFamily
{
    /// <summary>The name users type, e.g. <c>resnet50</c>.</summary>
    string Name { get; }

    /// <summary>One line for <c>--help</c>.</summary>
    string Description { get; }

    /// <summary>A stable identity for the evaluation cache (a name, or a file's content hash).</summary>
    string Identity { get; }

    /// <summary>Files the model is read from (a TorchScript file), so that no output can overwrite one.</summary>
    IReadOnlyList<string> Files => [];

    /// <summary>Builds the network for checkpoints laid out as <paramref name="layout"/>, on <paramref name="device"/>.</summary>
    IModel Create(IReadOnlyList<TensorInfo> layout, torch.Device device);
}
