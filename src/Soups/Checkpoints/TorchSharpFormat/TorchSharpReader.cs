using System.Text;
using Microsoft.Win32.SafeHandles;
using TorchSharp;

namespace Soups.Checkpoints.TorchSharpFormat;

/// <summary>
/// Reads TorchSharp's own state-dict format (<c>Module.save</c>): a LEB128 entry count, then per entry a .NET
/// string name, LEB128 dtype, rank and dimensions, and the raw bytes. The file is scanned once for offsets.
/// </summary>
public sealed class TorchSharpReader : ICheckpointReader
{
    private readonly SafeFileHandle _file;
    private readonly Dictionary<string, (TensorInfo Info, long Offset)> _byName = new(StringComparer.Ordinal);

    /// <summary>Opens <paramref name="path"/> and indexes it; throws when it is not a TorchSharp checkpoint.</summary>
    public TorchSharpReader(string path, ReadOptions options)
    {
        Path = path;
        _file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            var stored = Scan(path);
            var rename = PrefixMapping.For(stored.Select(s => s.Info.Name).ToList(), options);
            var tensors = new List<TensorInfo>();
            foreach (var (info, offset) in stored)
            {
                var renamed = info with { Name = rename(info.Name) };
                _byName[renamed.Name] = (renamed, offset);
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
    public string Format => "torchsharp";

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
    public void Dispose() => _file.Dispose();

    /// <summary>True when the whole file parses as a TorchSharp state dict.</summary>
    public static bool IsTorchSharpFile(string path)
    {
        try
        {
            return Scan(path).Count > 0;
        }
        catch (Exception e) when (e is CheckpointFormatException or IOException)
        {
            return false;
        }
    }

    private static List<(TensorInfo Info, long Offset)> Scan(string path)
    {
        const string NotTorchSharp = "not a TorchSharp checkpoint (the file does not parse as Module.save output)";
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        var result = new List<(TensorInfo, long)>();
        try
        {
            var count = Leb128(reader);
            if (count <= 0 || count > 10_000_000) throw new CheckpointFormatException(path, NotTorchSharp);
            for (long i = 0; i < count; i++)
            {
                var name = reader.ReadString();
                var code = Leb128(reader);
                var dtype = (torch.ScalarType)code;
                if (code > 64 || !DTypes.IsSupported(dtype)) throw new CheckpointFormatException(path, NotTorchSharp);
                var rank = Leb128(reader);
                if (rank > 64) throw new CheckpointFormatException(path, NotTorchSharp);
                var shape = new long[rank];
                for (var d = 0; d < rank; d++) shape[d] = Leb128(reader);
                var info = new TensorInfo(name, dtype, shape);
                var offset = stream.Position;
                if (offset + info.ByteCount > stream.Length) throw new CheckpointFormatException(path, NotTorchSharp);
                stream.Seek(info.ByteCount, SeekOrigin.Current);
                result.Add((info, offset));
            }
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or OverflowException or DecoderFallbackException)
        {
            throw new CheckpointFormatException(path, NotTorchSharp, e);
        }
        if (stream.Position != stream.Length) throw new CheckpointFormatException(path, NotTorchSharp);
        return result;
    }

    private static long Leb128(BinaryReader reader)
    {
        long value = 0;
        for (var shift = 0; shift < 63; shift += 7)
        {
            var b = reader.ReadByte();
            value |= (long)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new FormatException("LEB128 value too long");
    }
}
