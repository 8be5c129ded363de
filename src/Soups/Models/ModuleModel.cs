using Soups.Checkpoints;
using TorchSharp;

namespace Soups.Models;

/// <summary>
/// An <see cref="IModel"/> over a TorchSharp module (built-in architectures and TorchScript alike). Checkpoint names
/// can differ from the module's own keys (a name map), and a family may accept tensors the forward pass never uses
/// (e.g. CLIP's text tower): those are "carried" — accepted, ignored by the model, still averaged into soups.
/// </summary>
public sealed class ModuleModel : IModel
{
    private readonly torch.nn.Module _module;
    private readonly Func<torch.Tensor, torch.Tensor> _forward;
    private readonly Dictionary<string, torch.Tensor> _state = new(StringComparer.Ordinal);
    private readonly Dictionary<string, torch.Tensor> _parameters = new(StringComparer.Ordinal);
    private readonly HashSet<string> _carried;
    private readonly torch.ScalarType _computeType;
    private readonly torch.ScalarType _inputType;

    /// <summary>Wraps <paramref name="module"/>, moves it to <paramref name="device"/> and puts it in eval mode.</summary>
    /// <param name="module">The network.</param>
    /// <param name="forward">Its forward pass.</param>
    /// <param name="device">Where it runs.</param>
    /// <param name="names">Checkpoint name → module key, for every module key; null when they are the same.</param>
    /// <param name="carried">Checkpoint tensors the model accepts but does not use.</param>
    /// <param name="computeType">float32, or float16/bfloat16 for mixed precision on CUDA.</param>
    public ModuleModel(torch.nn.Module module, Func<torch.Tensor, torch.Tensor> forward, torch.Device device,
        IReadOnlyDictionary<string, string>? names = null, IReadOnlyList<TensorInfo>? carried = null,
        torch.ScalarType computeType = torch.ScalarType.Float32)
    {
        _module = module;
        _forward = forward;
        _computeType = computeType;
        Device = device;
        module.to(device);
        if (computeType != torch.ScalarType.Float32) module.to(computeType);
        module.eval();
        var moduleState = module.state_dict();
        var checkpointName = names?.ToDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);
        string Outside(string key) => checkpointName is null ? key
            : checkpointName.TryGetValue(key, out var name) ? name : throw new InvalidOperationException($"no checkpoint name for module key {key}");
        foreach (var (key, tensor) in moduleState) _state[Outside(key)] = tensor;
        foreach (var (key, parameter) in module.named_parameters()) _parameters[Outside(key)] = parameter;
        _carried = carried?.Select(t => t.Name).ToHashSet(StringComparer.Ordinal) ?? [];
        State = _state.Select(kv => new TensorInfo(kv.Key, kv.Value.dtype, kv.Value.shape))
            .Concat(carried ?? []).ToList();
        _inputType = _parameters.Values.Select(p => p.dtype).FirstOrDefault(DTypes.IsFloatingPoint, torch.ScalarType.Float32);
        Parameters = _parameters.Keys.ToHashSet();
    }

    /// <inheritdoc />
    public IReadOnlyList<TensorInfo> State { get; }

    /// <inheritdoc />
    public IReadOnlySet<string> Parameters { get; }

    /// <inheritdoc />
    public torch.Device Device { get; }

    /// <inheritdoc />
    public void Assign(string key, torch.Tensor value)
    {
        if (_carried.Contains(key)) return;
        using var _ = torch.no_grad();
        _state[key].copy_(value);
    }

    /// <inheritdoc />
    public torch.Tensor Forward(torch.Tensor batch)
    {
        // Inference mode on top of no_grad: no version counters or view tracking on the way (issue #12). The logits
        // are only read (loss, argmax, sums), never updated in place, so inference tensors are safe here.
        using var _ = torch.no_grad();
        using var __ = torch.inference_mode();
        return Run(batch);
    }

    /// <inheritdoc />
    public torch.Tensor ForwardWithGradients(torch.Tensor batch)
    {
        using var _ = torch.enable_grad();
        return Run(batch);
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
    public void Dispose() => _module.Dispose();

    // Inputs arrive as float32; a float64 model (a TorchScript export) gets float64, a mixed-precision one its compute type.
    private torch.Tensor Run(torch.Tensor batch)
    {
        if (_computeType == torch.ScalarType.Float32 && batch.dtype == _inputType) return _forward(batch);
        using var scope = torch.NewDisposeScope();
        var type = _computeType != torch.ScalarType.Float32 ? _computeType : _inputType;
        return _forward(batch.to(type)).to(torch.float32).MoveToOuterDisposeScope();
    }
}
