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
    private readonly Dictionary<string, (TensorInfo Info, long Offset)> _byName;

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
            _byName = new(stored.Count, StringComparer.Ordinal);
            var names = PrefixMapping.Apply(stored.Select(s => s.Info.Name).ToList(), options, path);
            var tensors = new List<TensorInfo>(stored.Count);
            for (var i = 0; i < stored.Count; i++)
            {
                var info = stored[i].Info;
                var renamed = ReferenceEquals(names[i], info.Name) ? info : info with { Name = names[i] };
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
        if (destination.Length <= SmallRead) ReadSmall(offset + start * elementSize, destination, name);
        else TensorData.ReadInto(_file, offset + start * elementSize, destination, Path, name);
    }

    // Small reads in file order (the tensors of a checkpoint of many tiny ones, read in layout order) are served from a
    // window of the file read ahead: one system call per window rather than one per tensor. Reads out of order go to
    // the file directly, so a checkpoint stored in another order reads no more than before.
    private const int SmallRead = 4096;
    private const int WindowBytes = 1 << 20;
    private readonly Lock _windowGate = new();
    private byte[]? _window;
    private long _windowStart;
    private int _windowLength;
    private long _lastEnd = -1;

    private void ReadSmall(long offset, Span<byte> destination, string name)
    {
        lock (_windowGate)
        {
            var end = offset + destination.Length;
            var inWindow = _window != null && offset >= _windowStart && end <= _windowStart + _windowLength;
            if (!inWindow && offset == _lastEnd)
            {
                _window ??= new byte[WindowBytes];
                _windowStart = offset;
                _windowLength = RandomAccess.Read(_file, _window, offset);
                inWindow = end <= _windowStart + _windowLength;
            }
            _lastEnd = end;
            if (inWindow)
            {
                _window.AsSpan((int)(offset - _windowStart), destination.Length).CopyTo(destination);
                return;
            }
        }
        TensorData.ReadInto(_file, offset, destination, Path, name);
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
