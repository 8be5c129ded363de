using System.Runtime.InteropServices;
using TorchSharp;

namespace Soups.Checkpoints;

/// <summary>
/// One tensor's bytes as a writer stores them (contiguous, little-endian, in the layout's dtype), owned until
/// disposed: held by a CPU tensor, or in native memory filled without libtorch (issue #12: a uniform soup on the CPU
/// never loads libtorch).
/// </summary>
public abstract class TensorBytes : IDisposable
{
    /// <summary>Spans handed to callers are at most this long (span lengths are ints).</summary>
    public const int MaxSpan = 1 << 28;

    /// <summary>Number of bytes.</summary>
    public abstract long Length { get; }

    /// <summary>Calls <paramref name="action"/> with the bytes in order, in spans of at most <see cref="MaxSpan"/> bytes.</summary>
    public abstract void ForEachSpan(SpanAction action);

    /// <summary>Writes the bytes to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream) => ForEachSpan(stream.Write);

    /// <summary>The CRC-32 of the bytes (as zip records store it).</summary>
    public uint Crc32()
    {
        var crc = new System.IO.Hashing.Crc32();
        ForEachSpan(crc.Append);
        return crc.GetCurrentHashAsUInt32();
    }

    /// <summary>The bytes of <paramref name="tensor"/> (a contiguous CPU tensor), which is disposed with them.</summary>
    public static TensorBytes Of(torch.Tensor tensor) => new TorchTensorBytes(tensor);

    /// <inheritdoc />
    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees what holds the bytes.</summary>
    protected abstract void Release();

    /// <summary>Receives one span of the bytes.</summary>
    public delegate void SpanAction(ReadOnlySpan<byte> span);

    private sealed class TorchTensorBytes(torch.Tensor tensor) : TensorBytes
    {
        public override long Length => tensor.numel() * tensor.element_size();

        public override void ForEachSpan(SpanAction action) => TensorData.ForEachSlice(tensor, (span, _) => action(span));

        protected override void Release() => tensor.Dispose();
    }
}

/// <summary>
/// Tensor bytes in native memory (not the GC heap: a tensor may pass 2 GiB). Blocks are kept for reuse when released,
/// so that a soup's pages are faulted in once rather than once per tensor; at most <see cref="KeptBlocks"/> are kept.
/// </summary>
public sealed unsafe class NativeTensorBytes : TensorBytes
{
    private const int KeptBlocks = 2;
    private static readonly List<(nint Pointer, long Capacity)> Free = [];
    private static readonly Lock FreeGate = new();
    private static int _outstanding;
    private nint _pointer;
    private readonly long _capacity;

    /// <summary>Blocks handed out and not yet released (the tests' leak check).</summary>
    public static int Outstanding => Volatile.Read(ref _outstanding);

    /// <summary>Uninitialised memory for <paramref name="length"/> bytes.</summary>
    public NativeTensorBytes(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        Interlocked.Increment(ref _outstanding);
        lock (FreeGate)
        {
            var best = -1;
            for (var i = 0; i < Free.Count; i++)
                if (Free[i].Capacity >= length && (best < 0 || Free[i].Capacity < Free[best].Capacity)) best = i;
            if (best >= 0)
            {
                (_pointer, _capacity) = Free[best];
                Free.RemoveAt(best);
                return;
            }
        }
        _capacity = Math.Max(length, 1);
        _pointer = (nint)NativeMemory.AlignedAlloc((nuint)_capacity, 64);
    }

    /// <inheritdoc />
    public override long Length { get; }

    /// <summary>Bytes [<paramref name="start"/>, +<paramref name="length"/>) to fill.</summary>
    public Span<byte> Span(long start, int length)
    {
        ObjectDisposedException.ThrowIf(_pointer == 0, this);
        if (start < 0 || length < 0 || start + length > Length) throw new ArgumentOutOfRangeException(nameof(start));
        return new Span<byte>((byte*)_pointer + start, length);
    }

    /// <inheritdoc />
    public override void ForEachSpan(SpanAction action)
    {
        for (long start = 0; start < Length; start += MaxSpan)
            action(Span(start, (int)Math.Min(MaxSpan, Length - start)));
    }

    /// <inheritdoc />
    protected override void Release()
    {
        var pointer = Interlocked.Exchange(ref _pointer, 0);
        if (pointer == 0) return;
        Interlocked.Decrement(ref _outstanding);
        lock (FreeGate)
        {
            Free.Add((pointer, _capacity));
            if (Free.Count <= KeptBlocks) return;
            // Keep the largest blocks: they serve every smaller tensor.
            var smallest = 0;
            for (var i = 1; i < Free.Count; i++) if (Free[i].Capacity < Free[smallest].Capacity) smallest = i;
            pointer = Free[smallest].Pointer;
            Free.RemoveAt(smallest);
        }
        NativeMemory.AlignedFree((void*)pointer);
    }

    /// <summary>Frees the kept blocks (tests, and callers that want the memory back).</summary>
    public static void Trim()
    {
        lock (FreeGate)
        {
            foreach (var (pointer, _) in Free) NativeMemory.AlignedFree((void*)pointer);
            Free.Clear();
        }
    }
}
