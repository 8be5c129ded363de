using Soups.Checkpoints;
using TorchSharp;

namespace Soups.Ingredients;

/// <summary>Where a learned soup keeps its ingredients between steps (issue #4, <c>--ingredients</c>).</summary>
public enum IngredientStorage
{
    /// <summary>Host memory when all ingredients fit in a quarter of it, else disk.</summary>
    Auto,

    /// <summary>All ingredients on the compute device: fastest, N models of device memory.</summary>
    Device,

    /// <summary>All ingredients in host memory (float32): N models of RAM.</summary>
    Host,

    /// <summary>Read from the checkpoint files at every step: memory stays at about three models whatever N is.</summary>
    Disk,
}

/// <summary>Hands out ingredient tensors as float32 on the compute device, from wherever they are kept.</summary>
public sealed class IngredientStore : IDisposable
{
    private readonly IngredientSet _ingredients;
    private readonly torch.Device _device;
    private readonly Dictionary<(int, string), torch.Tensor>? _resident;

    private IngredientStore(IngredientSet ingredients, torch.Device device, IngredientStorage storage,
        Dictionary<(int, string), torch.Tensor>? resident)
    {
        _ingredients = ingredients;
        _device = device;
        Storage = storage;
        _resident = resident;
    }

    /// <summary>The storage actually used (never <see cref="IngredientStorage.Auto"/>).</summary>
    public IngredientStorage Storage { get; }

    /// <summary>Loads the ingredients' floating-point tensors according to <paramref name="storage"/>.</summary>
    public static IngredientStore Create(IngredientSet ingredients, torch.Device device, IngredientStorage storage)
    {
        if (storage == IngredientStorage.Auto)
        {
            var bytes = (double)ingredients.Count * ingredients.Layout.Where(t => t.IsFloatingPoint).Sum(t => t.ElementCount) * 4;
            storage = bytes <= GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4.0 ? IngredientStorage.Host : IngredientStorage.Disk;
        }
        if (storage == IngredientStorage.Disk) return new IngredientStore(ingredients, device, storage, null);
        var home = storage == IngredientStorage.Device ? device : torch.CPU;
        var resident = new Dictionary<(int, string), torch.Tensor>();
        for (var i = 0; i < ingredients.Count; i++)
        {
            foreach (var info in ingredients.Layout.Where(t => t.IsFloatingPoint))
            {
                using var scope = torch.NewDisposeScope();
                resident[(i, info.Name)] = ingredients.Readers[i].Read(info.Name).to(torch.float32, home).MoveToOuterDisposeScope();
            }
        }
        return new IngredientStore(ingredients, device, storage, resident);
    }

    /// <summary>Ingredient <paramref name="index"/>'s tensor as float32 on the compute device; the caller disposes it.</summary>
    public torch.Tensor Get(int index, TensorInfo info)
    {
        if (_resident is null)
        {
            using var scope = torch.NewDisposeScope();
            return _ingredients.Readers[index].Read(info.Name).to(torch.float32, _device).MoveToOuterDisposeScope();
        }
        var resident = _resident[(index, info.Name)];
        // Same device: hand out a view (disposing it leaves the resident tensor alone); else a copy.
        return resident.device_type == _device.type && resident.device_index == _device.index
            ? resident.view(resident.shape)
            : resident.to(_device);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_resident is null) return;
        foreach (var tensor in _resident.Values) tensor.Dispose();
    }
}
