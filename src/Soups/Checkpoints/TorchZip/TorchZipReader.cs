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

    /// <inheritdoc />
    public string WeightsKey { get; private set; } = "";

    /// <inheritdoc />
    public IReadOnlyList<string> LeftOut { get; private set; } = [];

    /// <inheritdoc />
    public IReadOnlyList<string> ForeignGlobals { get; private set; } = [];

    /// <inheritdoc />
    public IReadOnlyList<string> UnsafeGlobals { get; private set; } = [];

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
    public torch.Tensor ReadRange(string name, long start, long count)
    {
        if (!_byName.TryGetValue(name, out var entry))
            throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");
        var (info, pickled, storage) = entry;
        if (start < 0 || count < 0 || start + count > info.ElementCount)
            throw new ArgumentOutOfRangeException(nameof(start), $"{name}: elements {start}..{start + count} of {info.ElementCount}");
        if (!pickled.IsContiguous)
        {
            using var whole = Read(name);
            using var flat = whole.view(-1);
            using var range = flat.narrow(0, start, count);
            return range.clone();
        }
        var elementSize = DTypes.ElementSize(info.DType);
        return TensorData.ReadContiguous(_file, storage.DataOffset + (pickled.Offset + start) * elementSize, info with { Shape = [count] }, Path);
    }

    /// <inheritdoc />
    public bool CanReadRaw(string name) => _byName.TryGetValue(name, out var entry) && entry.Tensor.IsContiguous;

    /// <inheritdoc />
    public void ReadRaw(string name, long start, Span<byte> destination)
    {
        if (!_byName.TryGetValue(name, out var entry) || !entry.Tensor.IsContiguous)
            throw new NotSupportedException($"{Path}: '{name}' is not stored contiguously");
        var (info, pickled, storage) = entry;
        var elementSize = DTypes.ElementSize(info.DType);
        if (start < 0 || destination.Length % elementSize != 0 || start + destination.Length / elementSize > info.ElementCount)
            throw new ArgumentOutOfRangeException(nameof(start), $"{name}: {destination.Length} bytes from element {start} of {info.ElementCount}");
        TensorData.ReadInto(_file, storage.DataOffset + (pickled.Offset + start) * elementSize, destination, Path, name);
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

        var pickle = Unpickler.Load(ZipDirectory.ReadEntry(_file, pickleEntry, Path), Path);
        ForeignGlobals = pickle.ForeignGlobals;
        UnsafeGlobals = pickle.UnsafeGlobals;
        if (UnsafeGlobals.Count > 0 && !options.AllowUnsafeGlobals) throw new UnsafeCheckpointException(Path, UnsafeGlobals);
        var located = StateDictLocator.Locate(pickle.Root, options.StateDictKey, Path);
        WeightsKey = located.KeyPath;
        LeftOut = located.LeftOut;

        var names = PrefixMapping.Apply(located.Weights.Select(w => w.Key).ToList(), options, Path);
        var tensors = new List<TensorInfo>(names.Length);
        for (var i = 0; i < names.Length; i++)
        {
            var (storedName, value) = located.Weights[i];
            var pickled = value as PickledTensor ?? throw new CheckpointFormatException(Path,
                $"tensor '{storedName}' is stored as {value} (a quantized, sparse or other special tensor), which this tool does not read");
            var info = new TensorInfo(names[i], Check(storedName, pickled), pickled.Shape);
            _byName.Add(info.Name, (info, pickled, StorageRecord(directory, prefix, storedName, pickled)));
            tensors.Add(info);
        }
        return tensors;
    }

    // Sizes come from the file: every one is checked against what it must fit in before anything is allocated.
    private torch.ScalarType Check(string name, PickledTensor pickled)
    {
        var dtype = pickled.Storage.DType ?? throw new CheckpointFormatException(Path,
            $"tensor '{name}' has storage type {pickled.Storage.ClassName}, which this tool does not read");
        try
        {
            var elements = pickled.Shape.Aggregate(1L, (a, b) => checked(a * b));
            var extent = checked(pickled.Offset + pickled.ExtentElements);
            if (elements > 0 && extent > pickled.Storage.ElementCount)
                throw new CheckpointFormatException(Path, $"tensor '{name}': its view lies outside its storage (corrupt file)");
            _ = checked(pickled.Storage.ElementCount * DTypes.ElementSize(dtype));
            // A stride-0 view could claim far more elements than its storage holds; no state dict needs that.
            if (checked(elements * DTypes.ElementSize(dtype)) > RandomAccess.GetLength(_file))
                throw new CheckpointFormatException(Path, $"tensor '{name}' claims more bytes than the whole file holds (corrupt file)");
        }
        catch (OverflowException)
        {
            throw new CheckpointFormatException(Path, $"tensor '{name}': sizes overflow (corrupt file)");
        }
        return dtype;
    }

    private ZipEntry StorageRecord(ZipDirectory directory, string prefix, string name, PickledTensor pickled)
    {
        if (!directory.Entries.TryGetValue(prefix + "data/" + pickled.Storage.Key, out var storage))
            throw new CheckpointFormatException(Path, $"tensor '{name}': storage record data/{pickled.Storage.Key} is missing");
        if (storage.Method != 0)
            throw new CheckpointFormatException(Path, $"tensor '{name}': storage record is compressed; torch.save writes them uncompressed");
        var expected = pickled.Storage.ElementCount * DTypes.ElementSize(pickled.Storage.DType!.Value);
        if (storage.Size != expected)
            throw new CheckpointFormatException(Path,
                $"tensor '{name}': storage record data/{pickled.Storage.Key} holds {storage.Size} bytes where the pickle says {expected} (corrupt file)");
        return storage;
    }
}
