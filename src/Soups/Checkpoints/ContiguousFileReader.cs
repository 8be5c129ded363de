using Microsoft.Win32.SafeHandles;
using TorchSharp;

namespace Soups.Checkpoints;

/// <summary>
/// A checkpoint whose tensors each sit contiguously at a known offset of one file (safetensors, TorchSharp): the
/// format scans its index once into (tensor, offset) pairs; names are mapped, and tensors read on demand.
/// </summary>
public abstract class ContiguousFileReader : ICheckpointReader
{
    private readonly SafeFileHandle _file;
    private readonly Dictionary<string, (TensorInfo Info, long Offset)> _byName = new(StringComparer.Ordinal);

    /// <summary>Opens <paramref name="path"/> and indexes it with <paramref name="scan"/>.</summary>
    protected ContiguousFileReader(string path, string format, ReadOptions options,
        Func<SafeFileHandle, IReadOnlyList<(TensorInfo Info, long Offset)>> scan)
    {
        Path = path;
        Format = format;
        _file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            var stored = scan(_file);
            var names = PrefixMapping.Apply(stored.Select(s => s.Info.Name).ToList(), options, path);
            var tensors = new List<TensorInfo>(stored.Count);
            for (var i = 0; i < stored.Count; i++)
            {
                var renamed = stored[i].Info with { Name = names[i] };
                _byName.Add(renamed.Name, (renamed, stored[i].Offset));
                tensors.Add(renamed);
            }
            Tensors = tensors;
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
    public string Format { get; }

    /// <inheritdoc />
    public IReadOnlyList<TensorInfo> Tensors { get; }

    /// <inheritdoc />
    public torch.Tensor Read(string name)
    {
        if (!_byName.TryGetValue(name, out var entry))
            throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");
        return TensorData.ReadContiguous(_file, entry.Offset, entry.Info, Path);
    }

    /// <inheritdoc />
    public torch.Tensor ReadRange(string name, long start, long count)
    {
        if (!_byName.TryGetValue(name, out var entry))
            throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");
        if (start < 0 || count < 0 || start + count > entry.Info.ElementCount)
            throw new ArgumentOutOfRangeException(nameof(start), $"{name}: elements {start}..{start + count} of {entry.Info.ElementCount}");
        var elementSize = DTypes.ElementSize(entry.Info.DType);
        return TensorData.ReadContiguous(_file, entry.Offset + start * elementSize, entry.Info with { Shape = [count] }, Path);
    }

    /// <inheritdoc />
    public bool CanReadRaw(string name) => _byName.ContainsKey(name);

    /// <inheritdoc />
    public void ReadRaw(string name, long start, Span<byte> destination)
    {
        var (info, offset) = Entry(name);
        var elementSize = DTypes.ElementSize(info.DType);
        if (start < 0 || destination.Length % elementSize != 0 || start + destination.Length / elementSize > info.ElementCount)
            throw new ArgumentOutOfRangeException(nameof(start), $"{name}: {destination.Length} bytes from element {start} of {info.ElementCount}");
        TensorData.ReadInto(_file, offset + start * elementSize, destination, Path, name);
    }

    private (TensorInfo Info, long Offset) Entry(string name) =>
        _byName.TryGetValue(name, out var entry) ? entry : throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");

    /// <inheritdoc />
    public void Dispose()
    {
        _file.Dispose();
        GC.SuppressFinalize(this);
    }
}
