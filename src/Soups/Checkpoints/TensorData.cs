using Microsoft.Win32.SafeHandles;
using TorchSharp;

namespace Soups.Checkpoints;

/// <summary>Moves raw tensor bytes between files and CPU tensors without an intermediate managed copy.</summary>
internal static class TensorData
{
    // Span lengths are ints, so large tensors are moved in slices of at most this many bytes.
    private const long SliceBytes = 1L << 28;

    /// <summary>Reads <paramref name="info"/>'s bytes from <paramref name="file"/> at <paramref name="offset"/>.</summary>
    public static torch.Tensor ReadContiguous(SafeFileHandle file, long offset, TensorInfo info, string path)
    {
        var tensor = torch.empty(info.Shape, info.DType);
        try
        {
            ForEachSlice(tensor, (span, at) => ReadInto(file, offset + at, span, path, info.Name));
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>Fills <paramref name="destination"/> with the bytes of <paramref name="file"/> at <paramref name="offset"/>.</summary>
    public static void ReadInto(SafeFileHandle file, long offset, Span<byte> destination, string path, string tensor)
    {
        var done = 0;
        while (done < destination.Length)
        {
            var n = RandomAccess.Read(file, destination[done..], offset + done);
            if (n == 0) throw new CheckpointFormatException(path, $"file ends inside tensor '{tensor}' (truncated?)");
            done += n;
        }
    }

    /// <summary>Calls <paramref name="action"/> with spans over the tensor's memory, in order.</summary>
    public static void ForEachSlice(torch.Tensor tensor, SpanAction action)
    {
        if (!tensor.is_contiguous() || tensor.device_type != DeviceType.CPU)
            throw new InvalidOperationException("raw tensor access needs a contiguous CPU tensor");
        var total = tensor.numel() * tensor.element_size();
        if (total == 0) return;
        var elementSize = tensor.element_size();
        var perSlice = Math.Max(1, SliceBytes / elementSize);
        using var flat = tensor.view(-1);
        for (long start = 0, count = tensor.numel(); start < count; start += perSlice)
        {
            using var slice = flat.narrow(0, start, Math.Min(perSlice, count - start));
            action(slice.bytes, start * elementSize);
        }
    }

    /// <summary>Receives one slice of a tensor's memory and its byte offset within the tensor.</summary>
    public delegate void SpanAction(Span<byte> span, long byteOffset);
}
