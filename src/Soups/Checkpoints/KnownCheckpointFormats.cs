using Soups.Checkpoints.Safetensors;
using Soups.Checkpoints.TorchSharpFormat;
using Soups.Checkpoints.TorchZip;
using Soups.FileSystem;

namespace Soups.Checkpoints;

/// <summary>The one table of checkpoint formats. A new format is one new class and one line here.</summary>
public static class KnownCheckpointFormats
{
    /// <summary>Single-file safetensors (the default output).</summary>
    public static ICheckpointFormat Safetensors { get; } = new SafetensorsFormat();

    /// <summary>Sharded safetensors through an index file (read-only).</summary>
    public static ICheckpointFormat ShardedSafetensors { get; } = new ShardedSafetensorsFormat();

    /// <summary>PyTorch torch.save zip archives.</summary>
    public static ICheckpointFormat TorchZip { get; } = new TorchZipFormat();

    /// <summary>TorchSharp's Module.save format; tried last because it has no magic number.</summary>
    public static ICheckpointFormat TorchSharp { get; } = new TorchSharpCheckpointFormat();

    /// <summary>All formats, in the order they are tried when reading.</summary>
    public static IReadOnlyList<ICheckpointFormat> All { get; } = [TorchZip, Safetensors, ShardedSafetensors, TorchSharp];

    /// <summary>Names accepted by <c>--format</c> for output.</summary>
    public static IReadOnlyList<string> WritableNames => All.Where(f => f.Writer != null).Select(f => f.Name).ToList();

    /// <summary>Opens a checkpoint, recognising its format by content.</summary>
    public static ICheckpointReader Open(string path, ReadOptions? options = null)
    {
        options ??= ReadOptions.Default;
        if (Directory.Exists(path)) path = ResolveFolder(path);
        InputFiles.RequireReadable(path);
        var head = new byte[64];
        int read;
        try
        {
            using var stream = File.OpenRead(path);
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(path, $"cannot read ({e.Message})", e);
        }
        var span = head.AsSpan(0, read);
        if (read == 0) throw new CheckpointFormatException(path, "empty file");
        if (IsLegacyTorchSave(span))
            throw new CheckpointFormatException(path,
                "legacy (non-zip) torch.save pickle; re-save it with PyTorch >= 1.6: torch.save(torch.load(p), p2)");
        foreach (var format in All)
        {
            if (!format.Recognizes(path, span)) continue;
            try
            {
                return format.Open(path, options);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InputException(path, $"cannot read ({e.Message})", e);
            }
        }
        throw new CheckpointFormatException(path, "not a checkpoint this tool reads (torch.save zip, safetensors, sharded safetensors index, TorchSharp)");
    }

    // torch.save's magic number 0x1950a86a20f9469cfc6c as pickle LONG1 writes it: length 10, little-endian bytes.
    private static ReadOnlySpan<byte> LegacyMagic => [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

    /// <summary>
    /// A legacy (pre-1.6, non-zip) torch.save file: a pickle PROTO opcode, a FRAME for protocol 4 and 5, then the
    /// magic number. Matching the magic itself keeps a safetensors header of 640 bytes (which also starts 0x80 0x02)
    /// from being taken for one.
    /// </summary>
    internal static bool IsLegacyTorchSave(ReadOnlySpan<byte> head)
    {
        if (head.Length < 2 || head[0] != 0x80 || head[1] is < 2 or > 5) return false;
        var rest = head[2..];
        if (rest.Length > 0 && rest[0] == 0x95) rest = rest.Length >= 9 ? rest[9..] : [];
        return rest.StartsWith(LegacyMagic);
    }

    /// <summary>The format for an output path: <paramref name="explicitName"/> if given, else by extension, else safetensors.</summary>
    public static ICheckpointFormat ForOutput(string path, string? explicitName)
    {
        if (explicitName != null)
        {
            return All.FirstOrDefault(f => f.Writer != null && string.Equals(f.Name, explicitName, StringComparison.OrdinalIgnoreCase))
                ?? throw new OptionException("format", $"unknown output format '{explicitName}' (choose {string.Join(", ", WritableNames)})");
        }
        return All.FirstOrDefault(f => f.OutputExtensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            ?? Safetensors;
    }

    // A Hugging Face style folder: its index, or its single model.safetensors.
    private static string ResolveFolder(string folder)
    {
        var index = Directory.GetFiles(folder, "*.safetensors.index.json");
        if (index.Length == 1) return index[0];
        var single = Directory.GetFiles(folder, "*.safetensors");
        if (index.Length == 0 && single.Length == 1) return single[0];
        throw new InputException(folder, "is a folder; name a checkpoint file or a *.safetensors.index.json inside it");
    }
}
