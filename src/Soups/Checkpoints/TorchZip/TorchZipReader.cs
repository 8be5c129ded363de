using System.Text;
using Microsoft.Win32.SafeHandles;
using TorchSharp;

namespace Soups.Checkpoints.TorchZip;

/// <summary>
/// Reads the state dict of a PyTorch <c>torch.save</c> zip archive (<c>.pt</c>, <c>.pth</c>, <c>.bin</c>) lazily:
/// the pickle is parsed once, and each tensor's bytes are read from its storage record only when asked for. Tensors
/// that are views into a shared storage (offsets, strides) are materialised from just the bytes they span.
/// </summary>
public sealed class TorchZipReader : ICheckpointReader
{
    /// <summary>Keys under which training scripts commonly nest the weights, tried in this order.</summary>
    public static readonly IReadOnlyList<string> NestedStateDictKeys =
        ["state_dict", "model_state_dict", "model", "module", "net", "network"];

    private readonly SafeFileHandle _file;
    private readonly Dictionary<string, (TensorInfo Info, PickledTensor Tensor, ZipEntry Storage)> _byName = new(StringComparer.Ordinal);

    /// <summary>Opens <paramref name="path"/>, reads its directory and pickle.</summary>
    public TorchZipReader(string path, ReadOptions options)
    {
        Path = path;
        _file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            Tensors = Index(options);
        }
        catch
        {
            _file.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public string Path { get; }

    /// <inheritdoc />
    public string Format => "pt";

    /// <inheritdoc />
    public IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>Where the state dict was found inside the pickle: empty for the top level, else its key path.</summary>
    public string StateDictLocation { get; private set; } = "";

    /// <inheritdoc />
    public torch.Tensor Read(string name)
    {
        if (!_byName.TryGetValue(name, out var entry))
            throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");
        var (info, pickled, storage) = entry;
        var elementSize = DTypes.ElementSize(info.DType);
        var start = storage.DataOffset + pickled.Offset * elementSize;
        if (pickled.IsContiguous) return TensorData.ReadContiguous(_file, start, info, Path);

        // A strided view: read the storage span it covers, then let torch gather the elements.
        using var span = TensorData.ReadContiguous(_file, start, info with { Shape = [pickled.ExtentElements] }, Path);
        using var view = span.as_strided(pickled.Shape, pickled.Stride, 0);
        return view.contiguous().clone();
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    private List<TensorInfo> Index(ReadOptions options)
    {
        var directory = ZipDirectory.Read(_file, Path);
        var pickleEntry = directory.Entries.Values
            .Where(e => e.Name.EndsWith("data.pkl", StringComparison.Ordinal) && e.Name.Count(c => c == '/') == 1)
            .OrderBy(e => e.Name.Length).FirstOrDefault()
            ?? throw new CheckpointFormatException(Path, "zip archive without data.pkl: not a torch.save checkpoint");
        var prefix = pickleEntry.Name[..^"data.pkl".Length];
        if (directory.Entries.TryGetValue(prefix + "byteorder", out var order)
            && Encoding.ASCII.GetString(ZipDirectory.ReadEntry(_file, order, Path)).Trim() != "little")
            throw new CheckpointFormatException(Path, "big-endian torch.save archives are not supported");

        var root = Unpickler.Load(ZipDirectory.ReadEntry(_file, pickleEntry, Path), Path);
        var stateDict = Locate(root, options.StateDictKey);
        var stored = stateDict.Items.Where(kv => kv is { Key: string, Value: PickledTensor })
            .Select(kv => ((string)kv.Key!, (PickledTensor)kv.Value!)).ToList();
        if (stored.Count == 0) throw new CheckpointFormatException(Path, "the state dict holds no tensors");

        var rename = PrefixMapping.For(stored.Select(s => s.Item1).ToList(), options);
        var tensors = new List<TensorInfo>(stored.Count);
        foreach (var (storedName, pickled) in stored)
        {
            var info = new TensorInfo(rename(storedName), pickled.Storage.DType, pickled.Shape);
            if (pickled.Stride.Length != pickled.Shape.Length)
                throw new CheckpointFormatException(Path, $"tensor '{storedName}': strides do not match its shape");
            if (!directory.Entries.TryGetValue(prefix + "data/" + pickled.Storage.Key, out var storage))
                throw new CheckpointFormatException(Path, $"tensor '{storedName}': storage record data/{pickled.Storage.Key} is missing");
            if (storage.Method != 0)
                throw new CheckpointFormatException(Path, $"tensor '{storedName}': storage record is compressed; torch.save writes them uncompressed");
            var needed = (pickled.Offset + pickled.ExtentElements) * DTypes.ElementSize(info.DType);
            if (pickled.Offset < 0 || needed > storage.Size)
                throw new CheckpointFormatException(Path, $"tensor '{storedName}': view lies outside its storage (corrupt file)");
            if (!_byName.TryAdd(info.Name, (info, pickled, storage)))
                throw new CheckpointFormatException(Path, $"tensor name '{info.Name}' appears twice");
            tensors.Add(info);
        }
        return tensors;
    }

    private PickleDict Locate(object? root, string? keyPath)
    {
        if (root is not PickleDict top)
            throw new CheckpointFormatException(Path, "the pickle holds no dict of tensors (a whole pickled model? save model.state_dict() instead)");
        if (keyPath != null)
        {
            var current = top;
            foreach (var key in keyPath.Split('.', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!current.TryGet(key, out var next) || next is not PickleDict dict)
                    throw new CheckpointFormatException(Path, $"no dict at key path '{keyPath}' (top-level keys: {Keys(top)})");
                current = dict;
            }
            StateDictLocation = keyPath;
            return current;
        }
        if (HasTensors(top)) return top;
        foreach (var key in NestedStateDictKeys)
        {
            if (top.TryGet(key, out var nested) && nested is PickleDict dict && HasTensors(dict))
            {
                StateDictLocation = key;
                return dict;
            }
        }
        throw new CheckpointFormatException(Path, $"no state dict found (top-level keys: {Keys(top)}); name it with --key");
    }

    private static bool HasTensors(PickleDict dict) => dict.Items.Any(kv => kv.Value is PickledTensor);

    private static string Keys(PickleDict dict) => string.Join(", ", dict.Items.Take(12).Select(kv => kv.Key?.ToString()));
}
