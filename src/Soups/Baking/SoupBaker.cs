using Soups.Checkpoints;
using Soups.FileSystem;
using Soups.Ingredients;
using TorchSharp;

namespace Soups.Baking;

/// <summary>Where and how to write a soup.</summary>
/// <param name="Path">The output file.</param>
/// <param name="Format">An output format name, or null to choose by extension (safetensors by default).</param>
/// <param name="Overwrite">Replace an existing file.</param>
/// <param name="DType">Store floating-point tensors in this type instead of the ingredients' own.</param>
public sealed record SoupOutput(string Path, string? Format = null, bool Overwrite = false, torch.ScalarType? DType = null);

/// <summary>What baking wrote.</summary>
/// <param name="Path">The output.</param>
/// <param name="Format">Its format's name.</param>
/// <param name="Sha256">The SHA-256 of its bytes.</param>
/// <param name="TensorCount">Tensors written.</param>
/// <param name="ParameterCount">Floating-point elements written.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Warnings">What the merge warned of.</param>
public sealed record BakeResult(string Path, string Format, string Sha256, int TensorCount, long ParameterCount,
    long Bytes, IReadOnlyList<string> Warnings)
{
    /// <summary>Where the bytes can be read now: <see cref="Path"/>, or a temporary file until an <see cref="OutputSet"/> is published.</summary>
    public string ReadFrom { get; init; } = Path;
}

/// <summary>
/// Writes a soup one tensor name at a time: the strategy's merge makes each floating-point tensor, integer tensors
/// come from <see cref="IntegerTensors"/>, and each is written and released before the next is made (issue #2). The
/// file appears whole or not at all (<see cref="AtomicFile"/>). On the CPU, merges that can (<see cref="IManagedTensorMerge"/>)
/// make their bytes in managed code, and libtorch is never loaded for them (issue #12).
/// </summary>
public sealed class SoupBaker(ComputeTarget target)
{
    private readonly ComputeTarget _target = target;

    // Writeback is started after this many bytes, and tensors smaller than AheadBytes are made on the writing thread:
    // for a checkpoint of many tiny tensors, a system call or a thread hand-off per tensor would cost more than the work.
    private const long WritebackBytes = 4 << 20;
    private const long AheadBytes = 64 << 10;

    // Progress is reported at most this many times per soup (each report redraws the terminal's line).
    private const int ProgressSteps = 1000;

    /// <summary>
    /// Bakes <paramref name="merge"/> over <paramref name="ingredients"/> into <paramref name="output"/>. When
    /// <paramref name="finalMetadata"/> is given, it is asked once the tensors are written and its answer stored in
    /// place of <paramref name="metadata"/> (see <see cref="ICheckpointWriter.Write"/>). With <paramref name="into"/>,
    /// the soup joins those outputs and appears when they are published; otherwise it appears when baking ends.
    /// </summary>
    public BakeResult Bake(IngredientSet ingredients, ITensorMerge merge, SoupOutput output,
        IReadOnlyDictionary<string, string> metadata, IProgress<StepProgress>? progress = null, CancellationToken cancellation = default,
        Func<IReadOnlyDictionary<string, string>>? finalMetadata = null, OutputSet? into = null)
    {
        ingredients.RequireCompatible();
        var format = KnownCheckpointFormats.ForOutput(output.Path, output.Format);
        var writer = format.Writer ?? throw new OptionException("format", $"{format.Name} cannot be written");
        var layout = ingredients.Layout
            .Select(t => output.DType is { } d && t.IsFloatingPoint ? t with { DType = d } : t).ToList();
        // A header too large to read back is refused here, before any tensor is made.
        writer.RequireFits(output.Path, layout, metadata);
        var warnings = new List<string>();
        var done = 0;
        long unsynced = 0;
        var reportEvery = Math.Max(1, layout.Count / ProgressSteps);
        string sha256;

        string readFrom;
        using (var own = into is null ? AtomicFile.Create(output.Path, output.Overwrite) : null)
        using (var ahead = new MadeAhead(this, ingredients, merge, layout, warnings))
        {
            var file = own ?? into!.Create(output.Path, output.Overwrite);
            // The header is small beside the tensors: what they need is known before any work.
            FileSystemSpace.Require(System.IO.Path.GetDirectoryName(file.Path)!,
                layout.Sum(t => t.ByteCount) + metadata.Sum(kv => (long)kv.Key.Length + kv.Value.Length), output.Path);
            // Hashed as it is written, so the soup is not read back just to be hashed (issue #12).
            using var hashing = new HashingStream(file.Stream);
            file.Run(_ => writer.Write(hashing, layout, info =>
            {
                cancellation.ThrowIfCancellationRequested();
                // What was written so far goes to disk while the next tensor is made: the final fsync waits for less.
                // Every few MiB, not per tensor: each start is a flush and a system call.
                if (unsynced >= WritebackBytes)
                {
                    file.StartWriteback();
                    unsynced = 0;
                }
                var bytes = ahead.Take(info);
                unsynced += info.ByteCount;
                if (++done % reportEvery == 0 || done == layout.Count)
                    progress?.Report(new StepProgress("baking tensors", done, layout.Count));
                return bytes;
            }, metadata, finalMetadata));
            cancellation.ThrowIfCancellationRequested(); // interrupted during the last tensor: still nothing written
            file.Run(_ => hashing.Flush());
            sha256 = hashing.Sha256 ?? file.SealHashed(); // not hashed as written when the header went last
            file.Seal();
            if (own != null) own.Commit();
            readFrom = own != null ? own.Path : file.TempPath;
        }
        var bytes = new FileInfo(readFrom).Length;
        return new BakeResult(output.Path, format.Name, sha256, layout.Count,
            layout.Where(t => t.IsFloatingPoint).Sum(t => t.ElementCount), bytes, warnings) { ReadFrom = readFrom };
    }

    // One tensor's bytes made in managed code, when the merge and the inputs allow it (else null).
    private TensorBytes? ProduceManaged(IngredientSet ingredients, ITensorMerge merge, TensorInfo info, ICollection<string> warnings)
    {
        if (!_target.IsCpu) return null;
        return info.IsFloatingPoint
            ? (merge as IManagedTensorMerge)?.MergeManaged(new TensorInputs(ingredients, info, _target), info.DType, warnings)
            : IntegerTensors.PickManaged(ingredients, info, warnings);
    }

    // One tensor's bytes made by libtorch (on the calling thread: dispose scopes and devices are per thread).
    private TensorBytes ProduceTorch(IngredientSet ingredients, ITensorMerge merge, TensorInfo info, ICollection<string> warnings)
    {
        using var scope = torch.NewDisposeScope();
        return TensorBytes.Of(Make(ingredients, merge, info, _target, warnings).cpu().contiguous().MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Hands the writer each tensor in layout order, the managed ones made one ahead on a worker thread, so that the
    /// writing, CRC and hashing of one tensor overlap the mixing of the next (issue #12). Warnings are only added by
    /// whichever of the two is running, never both at once.
    /// </summary>
    private sealed class MadeAhead(SoupBaker baker, IngredientSet ingredients, ITensorMerge merge, IReadOnlyList<TensorInfo> layout,
        ICollection<string> warnings) : IDisposable
    {
        private int _next;
        private Task<TensorBytes?>? _pending;

        public TensorBytes Take(TensorInfo info)
        {
            var index = _next++;
            if (index >= layout.Count || layout[index].Name != info.Name)
                throw new InvalidOperationException($"tensor '{info.Name}' asked out of layout order");
            var made = _pending is { } pending ? pending.GetAwaiter().GetResult() : baker.ProduceManaged(ingredients, merge, info, warnings);
            _pending = null;
            try
            {
                made ??= baker.ProduceTorch(ingredients, merge, info, warnings);
            }
            catch
            {
                made?.Dispose();
                throw;
            }
            if (baker._target.IsCpu && _next < layout.Count && layout[_next].ByteCount >= AheadBytes)
            {
                var next = layout[_next];
                _pending = Task.Run(() => baker.ProduceManaged(ingredients, merge, next, warnings));
            }
            return made;
        }

        public void Dispose()
        {
            if (_pending is not { } pending) return;
            _pending = null;
            try
            {
                pending.GetAwaiter().GetResult()?.Dispose();
            }
            catch
            {
                // The run already failed or was stopped; the tensor made ahead is not wanted.
            }
        }
    }

    /// <summary>One tensor of the soup, as <c>info.DType</c> on <paramref name="target"/>: merged if floating-point, else picked.</summary>
    public static torch.Tensor Make(IngredientSet ingredients, ITensorMerge merge, TensorInfo info, ComputeTarget target,
        ICollection<string> warnings) =>
        info.IsFloatingPoint
            ? merge.Merge(new TensorInputs(ingredients, info, target), info.DType, warnings)
            : IntegerTensors.Pick(ingredients, info, target.Device, warnings);
}
