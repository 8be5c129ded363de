using TorchSharp;

namespace Soups.Models;

/// <summary>
/// A network that can take a set of weights and compute logits: what the evaluator needs from any architecture
/// (TorchScript, a built-in) and nothing more.
/// </summary>
public interface IModel : IDisposable
{
    /// <summary>The model's state-dict keys with their shapes and dtypes, in its own order.</summary>
    IReadOnlyList<Checkpoints.TensorInfo> State { get; }

    /// <summary>The device the model runs on.</summary>
    torch.Device Device { get; }

    /// <summary>Copies <paramref name="value"/> into the state tensor <paramref name="key"/> (converting dtype and device).</summary>
    void Assign(string key, torch.Tensor value);

    /// <summary>State keys that are trainable parameters (they receive gradients); the rest are buffers.</summary>
    IReadOnlySet<string> Parameters { get; }

    /// <summary>Logits for a batch (already on <see cref="Device"/>), in evaluation mode, without gradients.</summary>
    torch.Tensor Forward(torch.Tensor batch);

    /// <summary>Logits for a batch with autograd recording, so a backward pass fills <see cref="Gradient"/>.</summary>
    torch.Tensor ForwardWithGradients(torch.Tensor batch);

    /// <summary>The gradient accumulated in parameter <paramref name="key"/> since <see cref="ZeroGradients"/>, or null; the caller disposes it.</summary>
    torch.Tensor? Gradient(string key);

    /// <summary>Clears parameter gradients.</summary>
    void ZeroGradients();
}
