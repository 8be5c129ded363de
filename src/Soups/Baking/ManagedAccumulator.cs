using System.Buffers.Binary;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Soups.Checkpoints;
using TorchSharp;

namespace Soups.Baking;

/// <summary>
/// The weighted mean on the CPU without a tensor per read (issue #12): each ingredient's stored bytes are read straight
/// into a reused buffer and added into a reused float64 array with SIMD in one pass (widen to float64, multiply by wᵢ,
/// add — two roundings, never a fused multiply-add), so the sum is bit-identical to PyTorch's
/// <c>acc.add_(w * x.double())</c>; then divided, checked for NaN/Inf and rounded to the output dtype in one more pass.
/// The tensor is cut into chunks that the CPU threads share; within a chunk the ingredients are added in their given
/// order, so every element sees the same operations in the same order whatever the chunking. The hot loops are compiled
/// optimised from their first call (no tier-0 code for a loop that runs once over 300 M elements).
/// </summary>
internal sealed class ManagedAccumulator
{
    // One array for the process, reused by every merge from tensor to tensor and soup to soup (a greedy run makes a
    // merge per candidate): its pages are faulted in once. Callers hold Gate from Mean to Result.
    private static double[] _sum = [];
    private static long _count;

    /// <summary>Held from <see cref="Mean"/> to the last <see cref="Result"/> of that mean.</summary>
    public static readonly Lock Gate = new();

    /// <summary>Elements per chunk (1 Mi by default; small values let tests run the chunking on small tensors).</summary>
    public long ChunkElements { get; init; } = 1L << 20;

    /// <summary>True for the stored dtypes this path converts: float32, float64, bfloat16, float16.</summary>
    public static bool Supports(torch.ScalarType dtype) =>
        dtype is torch.ScalarType.Float32 or torch.ScalarType.Float64 or torch.ScalarType.BFloat16 or torch.ScalarType.Float16;

    /// <summary>True when a tensor of <paramref name="elements"/> fits the managed float64 array.</summary>
    public static bool Fits(long elements) => elements <= Array.MaxLength;

    /// <summary>
    /// Forms (Σᵢ wᵢ·xᵢ) / <paramref name="total"/> of the tensor in the reused array: the sum starts at +0.0 as
    /// <c>torch.zeros</c> does, takes every ingredient with a non-zero weight in order, and is divided once. Returns
    /// false when an element is not finite.
    /// </summary>
    public bool Mean(TensorInputs inputs, IReadOnlyList<double> scaledWeights, double total)
    {
        var elements = inputs.Info.ElementCount;
        if (_sum.Length < elements) _sum = GC.AllocateUninitializedArray<double>((int)elements);
        _count = elements;
        var dtype = inputs.StoredDType;
        var elementSize = DTypes.ElementSize(dtype);
        var finite = true;
        ForEachChunk(elements, (start, length) =>
        {
            var sum = _sum.AsSpan((int)start, length);
            sum.Clear();
            var buffer = ArrayPool<byte>.Shared.Rent(length * elementSize);
            try
            {
                var raw = buffer.AsSpan(0, length * elementSize);
                for (var i = 0; i < inputs.Count; i++)
                {
                    if (scaledWeights[i] == 0) continue;
                    inputs.ReadRaw(i, start, raw);
                    AddScaled(sum, raw, dtype, scaledWeights[i]);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            if (!DivideAndCheck(sum, total)) finite = false;
        });
        return finite;
    }

    /// <summary>
    /// The mean as a new tensor of <paramref name="shape"/> in <paramref name="dtype"/>: float32 rounded here as
    /// <c>.to(torch.float32)</c> rounds (to nearest, ties to even), float64 copied, the half types rounded by libtorch.
    /// </summary>
    public torch.Tensor Result(long[] shape, torch.ScalarType dtype)
    {
        var target = dtype == torch.ScalarType.Float32 ? torch.ScalarType.Float32 : torch.ScalarType.Float64;
        var result = torch.empty(shape, target);
        try
        {
            if (_count > 0)
            {
                using var flat = result.view(-1);
                var chunk = Math.Max(1, ChunkElements);
                var views = new torch.Tensor[(_count + chunk - 1) / chunk];
                try
                {
                    // Views are made on this thread; the workers only write through their memory.
                    for (var c = 0; c < views.Length; c++) views[c] = flat.narrow(0, c * chunk, Math.Min(chunk, _count - c * chunk));
                    ForEachChunk(_count, (start, length) =>
                    {
                        var source = _sum.AsSpan((int)start, length);
                        var bytes = views[start / chunk].bytes;
                        if (target == torch.ScalarType.Float32) Narrow(source, MemoryMarshal.Cast<byte, float>(bytes));
                        else source.CopyTo(MemoryMarshal.Cast<byte, double>(bytes));
                    });
                }
                finally
                {
                    foreach (var view in views) view?.Dispose();
                }
            }
            if (target == dtype) return result;
            using (result) return result.to(dtype);
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Forms the same mean as <see cref="Mean"/> straight into <paramref name="output"/> as <paramref name="dtype"/>
    /// (float32, rounded as <see cref="Result"/> rounds, or float64), without libtorch and without a tensor-sized
    /// float64 array: each thread sums a slice small enough to stay in its core's cache over all ingredients, then
    /// divides, checks and rounds it before the next. Returns false when an element is not finite.
    /// </summary>
    public bool MeanInto(TensorInputs inputs, IReadOnlyList<double> scaledWeights, double total, NativeTensorBytes output,
        torch.ScalarType dtype)
    {
        if (dtype is not (torch.ScalarType.Float32 or torch.ScalarType.Float64)) throw new NotSupportedException($"dtype {dtype}");
        var elements = inputs.Info.ElementCount;
        var outputSize = dtype == torch.ScalarType.Float32 ? sizeof(float) : sizeof(double);
        if (output.Length != elements * outputSize) throw new ArgumentException("output size does not match the tensor", nameof(output));
        var stored = inputs.StoredDType;
        var elementSize = DTypes.ElementSize(stored);
        var slice = (int)Math.Max(1, Math.Min(ChunkElements / 2, CacheSlice));
        var finite = true;
        ForEachChunk(elements, (start, length) =>
        {
            var sums = ArrayPool<double>.Shared.Rent(Math.Min(slice, length));
            var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(slice, length) * elementSize);
            try
            {
                for (var offset = 0; offset < length; offset += slice)
                {
                    var count = Math.Min(slice, length - offset);
                    var first = start + offset;
                    var sum = sums.AsSpan(0, count);
                    sum.Clear();
                    var raw = buffer.AsSpan(0, count * elementSize);
                    for (var i = 0; i < inputs.Count; i++)
                    {
                        if (scaledWeights[i] == 0) continue;
                        inputs.ReadRaw(i, first, raw);
                        AddScaled(sum, raw, stored, scaledWeights[i]);
                    }
                    if (!DivideAndCheck(sum, total)) finite = false;
                    var target = output.Span(first * outputSize, count * outputSize);
                    if (outputSize == sizeof(float)) Narrow(sum, MemoryMarshal.Cast<byte, float>(target));
                    else sum.CopyTo(MemoryMarshal.Cast<byte, double>(target));
                }
            }
            finally
            {
                ArrayPool<double>.Shared.Return(sums);
                ArrayPool<byte>.Shared.Return(buffer);
            }
        });
        return finite;
    }

    // Elements summed at a time by one thread in MeanInto: 256 KiB of float64 sums plus the input slice fit a core's L2.
    private const long CacheSlice = 1 << 15;

    /// <summary>
    /// Greedy soup's running mean with one more ingredient, <c>(float)(s·(n/(n+1)) + x/(n+1))</c> per element in
    /// float64 — the same operations as the libtorch expression it replaces, so the same bits — from the float32
    /// soup <paramref name="current"/> and the ingredient's stored bytes into <paramref name="target"/> (float32, same shape).
    /// </summary>
    public static void RunningMean(torch.Tensor current, ICheckpointReader ingredient, string name, torch.ScalarType stored,
        int soupSize, torch.Tensor target)
    {
        var elements = current.numel();
        if (elements == 0) return;
        var keep = (double)soupSize / (soupSize + 1);
        var divisor = soupSize + 1.0;
        var elementSize = DTypes.ElementSize(stored);
        const long chunk = 1L << 20;
        var chunks = (elements + chunk - 1) / chunk;
        using var currentFlat = current.view(-1);
        using var targetFlat = target.view(-1);
        var views = new (torch.Tensor Current, torch.Tensor Target)[chunks];
        try
        {
            for (long c = 0; c < chunks; c++)
            {
                var length = Math.Min(chunk, elements - c * chunk);
                views[c] = (currentFlat.narrow(0, c * chunk, length), targetFlat.narrow(0, c * chunk, length));
            }
            Threads.For(0L, chunks, Math.Min(Threads.Count, (int)Math.Min(chunks, 64)), c =>
            {
                var soup = MemoryMarshal.Cast<byte, float>(views[c].Current.bytes);
                var output = MemoryMarshal.Cast<byte, float>(views[c].Target.bytes);
                var bytes = ArrayPool<byte>.Shared.Rent(soup.Length * elementSize);
                var doubles = ArrayPool<double>.Shared.Rent(soup.Length);
                try
                {
                    var raw = bytes.AsSpan(0, soup.Length * elementSize);
                    ingredient.ReadRaw(name, c * chunk, raw);
                    var added = doubles.AsSpan(0, soup.Length);
                    added.Clear();
                    AddScaled(added, raw, stored, 1);                 // x as float64 (0 + x: exact)
                    Blend(soup, keep, added, divisor, output);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(bytes);
                    ArrayPool<double>.Shared.Return(doubles);
                }
            });
        }
        finally
        {
            foreach (var (a, b) in views)
            {
                a?.Dispose();
                b?.Dispose();
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Blend(ReadOnlySpan<float> soup, double keep, ReadOnlySpan<double> added, double divisor, Span<float> output)
    {
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var k = Vector256.Create(keep);
            var d = Vector256.Create(divisor);
            ref var s = ref MemoryMarshal.GetReference(soup);
            ref var a = ref MemoryMarshal.GetReference(added);
            ref var o = ref MemoryMarshal.GetReference(output);
            for (; j <= soup.Length - Vector256<float>.Count; j += Vector256<float>.Count)
            {
                var f = Vector256.LoadUnsafe(ref s, (nuint)j);
                var lo = Vector256.Add(Vector256.Multiply(Vector256.WidenLower(f), k), Vector256.Divide(Vector256.LoadUnsafe(ref a, (nuint)j), d));
                var hi = Vector256.Add(Vector256.Multiply(Vector256.WidenUpper(f), k),
                    Vector256.Divide(Vector256.LoadUnsafe(ref a, (nuint)(j + Vector256<double>.Count)), d));
                Vector256.Narrow(lo, hi).StoreUnsafe(ref o, (nuint)j);
            }
        }
        for (; j < soup.Length; j++) output[j] = (float)(soup[j] * keep + added[j] / divisor);
    }

    // Calls work(first element, length) for every chunk of [0, elements), on the CPU threads.
    private void ForEachChunk(long elements, Action<long, int> work)
    {
        if (elements == 0) return;
        var chunk = Math.Max(1, ChunkElements);
        var chunks = (elements + chunk - 1) / chunk;
        Threads.For(0L, chunks, Math.Min(Threads.Count, (int)Math.Min(chunks, 64)),
            c => work(c * chunk, (int)Math.Min(chunk, elements - c * chunk)));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool DivideAndCheck(Span<double> sum, double total)
    {
        var bad = false;
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var divisor = Vector256.Create(total);
            var infinity = Vector256.Create(double.PositiveInfinity);
            var anyBad = Vector256<double>.Zero;
            ref var s = ref MemoryMarshal.GetReference(sum);
            for (; j <= sum.Length - Vector256<double>.Count; j += Vector256<double>.Count)
            {
                var v = Vector256.LoadUnsafe(ref s, (nuint)j);
                if (total != 1) { v = Vector256.Divide(v, divisor); v.StoreUnsafe(ref s, (nuint)j); }
                // |v| < ∞ is false exactly for NaN and ±∞.
                anyBad |= ~Vector256.LessThan(Vector256.Abs(v), infinity);
            }
            bad = anyBad != Vector256<double>.Zero;
        }
        for (; j < sum.Length; j++)
        {
            if (total != 1) sum[j] /= total;
            if (!double.IsFinite(sum[j])) bad = true;
        }
        return !bad;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Narrow(ReadOnlySpan<double> source, Span<float> target)
    {
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var s = ref MemoryMarshal.GetReference(source);
            ref var t = ref MemoryMarshal.GetReference(target);
            for (; j <= source.Length - Vector256<float>.Count; j += Vector256<float>.Count)
            {
                var lo = Vector256.LoadUnsafe(ref s, (nuint)j);
                var hi = Vector256.LoadUnsafe(ref s, (nuint)(j + Vector256<double>.Count));
                Vector256.Narrow(lo, hi).StoreUnsafe(ref t, (nuint)j);
            }
        }
        for (; j < source.Length; j++) target[j] = (float)source[j];
    }

    /// <summary>sum[j] += w·x[j] (w·x rounded to float64 first) for x stored as <paramref name="dtype"/> little-endian.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddScaled(Span<double> sum, ReadOnlySpan<byte> raw, torch.ScalarType dtype, double w)
    {
        switch (dtype)
        {
            case torch.ScalarType.Float32: AddFloat32(sum, MemoryMarshal.Cast<byte, float>(raw), w); break;
            case torch.ScalarType.Float64: AddFloat64(sum, MemoryMarshal.Cast<byte, double>(raw), w); break;
            case torch.ScalarType.BFloat16:
                for (var j = 0; j < sum.Length; j++)
                {
                    var x = (double)BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * j)..]) << 16);
                    sum[j] += w == 1 ? x : w * x;
                }
                break;
            case torch.ScalarType.Float16:
                for (var j = 0; j < sum.Length; j++)
                {
                    var x = (double)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * j)..]));
                    sum[j] += w == 1 ? x : w * x;
                }
                break;
            default: throw new NotSupportedException($"dtype {dtype}");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddFloat32(Span<double> sum, ReadOnlySpan<float> x, double w)
    {
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var weight = Vector256.Create(w);
            ref var s = ref MemoryMarshal.GetReference(sum);
            ref var v = ref MemoryMarshal.GetReference(x);
            for (; j <= x.Length - Vector256<float>.Count; j += Vector256<float>.Count)
            {
                var f = Vector256.LoadUnsafe(ref v, (nuint)j);
                var (lo, hi) = (Vector256.WidenLower(f), Vector256.WidenUpper(f));
                if (w != 1) { lo = Vector256.Multiply(lo, weight); hi = Vector256.Multiply(hi, weight); }
                var s0 = Vector256.LoadUnsafe(ref s, (nuint)j);
                var s1 = Vector256.LoadUnsafe(ref s, (nuint)(j + Vector256<double>.Count));
                Vector256.Add(s0, lo).StoreUnsafe(ref s, (nuint)j);
                Vector256.Add(s1, hi).StoreUnsafe(ref s, (nuint)(j + Vector256<double>.Count));
            }
        }
        for (; j < x.Length; j++) sum[j] += w == 1 ? x[j] : w * x[j];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddFloat64(Span<double> sum, ReadOnlySpan<double> x, double w)
    {
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var weight = Vector256.Create(w);
            ref var s = ref MemoryMarshal.GetReference(sum);
            ref var v = ref MemoryMarshal.GetReference(x);
            for (; j <= x.Length - Vector256<double>.Count; j += Vector256<double>.Count)
            {
                var d = Vector256.LoadUnsafe(ref v, (nuint)j);
                if (w != 1) d = Vector256.Multiply(d, weight);
                Vector256.Add(Vector256.LoadUnsafe(ref s, (nuint)j), d).StoreUnsafe(ref s, (nuint)j);
            }
        }
        for (; j < x.Length; j++) sum[j] += w == 1 ? x[j] : w * x[j];
    }
}
