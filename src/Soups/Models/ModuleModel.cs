using Soups.Checkpoints;
using TorchSharp;

namespace Soups.Models;

/// <summary>An <see cref="IModel"/> over a TorchSharp module (built-in architectures and TorchScript alike).</summary>
public sealed class ModuleModel : IModel
{
    private readonly torch.nn.Module _module;
    private readonly Func<torch.Tensor, torch.Tensor> _forward;
    private readonly Dictionary<string, torch.Tensor> _state;
    private readonly Dictionary<string, torch.Tensor> _parameters;

    /// <summary>Wraps <paramref name="module"/>, moves it to <paramref name="device"/> and puts it in eval mode.</summary>
    public ModuleModel(torch.nn.Module module, Func<torch.Tensor, torch.Tensor> forward, torch.Device device)
    {
        _module = module;
        _forward = forward;
        Device = device;
        module.to(device);
        module.eval();
        _state = module.state_dict();
        State = _state.Select(kv => new TensorInfo(kv.Key, kv.Value.dtype, kv.Value.shape)).ToList();
        _parameters = module.named_parameters().ToDictionary(p => p.name, p => (torch.Tensor)p.parameter);
        Parameters = _parameters.Keys.ToHashSet();
    }

    /// <inheritdoc />
    public IReadOnlySet<string> Parameters { get; }

    /// <inheritdoc />
    public torch.Tensor ForwardWithGradients(torch.Tensor batch)
    {
        using var _ = torch.enable_grad();
        return _forward(batch);
    }

    /// <inheritdoc />
    public torch.Tensor? Gradient(string key) => _parameters.TryGetValue(key, out var p) ? p.grad : null;

    /// <inheritdoc />
    public void ZeroGradients()
    {
        foreach (var p in _parameters.Values)
        {
            using var grad = p.grad;
            grad?.zero_();
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<TensorInfo> State { get; }

    /// <inheritdoc />
    public torch.Device Device { get; }

    /// <inheritdoc />
    public void Assign(string key, torch.Tensor value)
    {
        var target = _state[key];
        using var _ = torch.no_grad();
        target.copy_(value);
    }

    /// <inheritdoc />
    public torch.Tensor Forward(torch.Tensor batch)
    {
        using var _ = torch.no_grad();
        return _forward(batch);
    }

    /// <inheritdoc />
    public void Dispose() => _module.Dispose();
}
