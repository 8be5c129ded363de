using Soups.Checkpoints;
using Soups.Ingredients;
using TorchSharp;

namespace Soups.Baking;

/// <summary>
/// A soup held in memory on the compute device (float32, or float64 for float64 ingredients), for strategies that
/// evaluate candidates: one model's worth of tensors.
/// </summary>
public sealed class SoupState : IDisposable
{
    private readonly Dictionary<string, torch.Tensor> _tensors;

    private SoupState(Dictionary<string, torch.Tensor> tensors) => _tensors = tensors;

    /// <summary>The soup's tensors by name.</summary>
    public IReadOnlyDictionary<string, torch.Tensor> Tensors => _tensors;

    /// <summary>One ingredient, as the first soup.</summary>
    public static SoupState From(ICheckpointReader ingredient, torch.Device device)
    {
        var tensors = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        foreach (var info in ingredient.Tensors)
        {
            using var scope = torch.NewDisposeScope();
            tensors[info.Name] = ingredient.Read(info.Name).to(WorkingType(info), device).MoveToOuterDisposeScope();
        }
        return new SoupState(tensors);
    }

    /// <summary>The soup a merge makes (e.g. the uniform soup, or a point of an interpolation), built one tensor at a time.</summary>
    public static SoupState Build(IngredientSet ingredients, ITensorMerge merge, torch.Device device, ICollection<string> warnings)
    {
        var tensors = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        foreach (var info in ingredients.Layout)
            tensors[info.Name] = SoupBaker.Make(ingredients, merge, info with { DType = WorkingType(info) }, device, warnings);
        return new SoupState(tensors);
    }

    /// <summary>
    /// a·<paramref name="p"/> + b·<paramref name="q"/> per tensor, computed in float64 and stored in <paramref name="p"/>'s
    /// types: one point of a one-parameter family of soups (an interpolation, a task-vector scale). Integer tensors are p's.
    /// </summary>
    public static SoupState Combine(SoupState p, double a, SoupState q, double b)
    {
        var tensors = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        foreach (var (name, x) in p._tensors)
        {
            using var scope = torch.NewDisposeScope();
            tensors[name] = x.is_floating_point()
                ? (x.to(torch.float64) * a + q._tensors[name].to(torch.float64) * b).to(x.dtype).MoveToOuterDisposeScope()
                : x.clone().MoveToOuterDisposeScope();
        }
        return new SoupState(tensors);
    }

    /// <summary>
    /// The running mean with one more ingredient: soup·n/(n+1) + ingredient/(n+1) (the paper's greedy-soup update),
    /// computed per tensor in float64. Integer tensors keep the soup's value.
    /// </summary>
    public SoupState With(ICheckpointReader ingredient, int soupSize) => With(ingredient, soupSize, managed: true);

    /// <summary><see cref="With(ICheckpointReader, int)"/>, formed by libtorch alone when not <paramref name="managed"/> (tests compare the two).</summary>
    internal SoupState With(ICheckpointReader ingredient, int soupSize, bool managed)
    {
        var tensors = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        var stored = ingredient.Tensors.ToDictionary(t => t.Name, t => t.DType, StringComparer.Ordinal);
        foreach (var (name, current) in _tensors)
        {
            using var scope = torch.NewDisposeScope();
            if (!current.is_floating_point())
            {
                tensors[name] = current.clone().MoveToOuterDisposeScope();
                continue;
            }
            if (managed && current.device_type == DeviceType.CPU && current.dtype == torch.ScalarType.Float32
                && stored.TryGetValue(name, out var dtype) && ManagedAccumulator.Supports(dtype) && ingredient.CanReadRaw(name))
            {
                // Issue #12: one pass over the soup and the ingredient's bytes, no float64 copies of the model.
                var target = torch.empty(current.shape, torch.float32);
                ManagedAccumulator.RunningMean(current, ingredient, name, dtype, soupSize, target);
                tensors[name] = target.MoveToOuterDisposeScope();
                continue;
            }
            var added = ingredient.Read(name).to(torch.float64, current.device);
            var mixed = current.to(torch.float64) * ((double)soupSize / (soupSize + 1)) + added / (soupSize + 1.0);
            tensors[name] = mixed.to(current.dtype).MoveToOuterDisposeScope();
        }
        return new SoupState(tensors);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in _tensors.Values) tensor.Dispose();
        _tensors.Clear();
    }

    private static torch.ScalarType WorkingType(TensorInfo info) =>
        !info.IsFloatingPoint ? info.DType : info.DType == torch.ScalarType.Float64 ? torch.ScalarType.Float64 : torch.ScalarType.Float32;
}
