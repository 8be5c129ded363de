using System.Text;
using System.Text.Json;

namespace Soups.Evaluation;

/// <summary>
/// Results files of JSON lines (issue #3): <c>soup eval</c> appends one line per evaluation, <c>soup greedy</c> reuses a
/// result when the checkpoint's content, the split and the model are unchanged. Lines are appended whole and
/// flushed, and a torn last line (a kill mid-write) is ignored, so a cache survives being killed. Several files
/// can be read at once, e.g. the outputs of a sharded <c>soup eval --shard i/n</c> job array.
/// </summary>
public sealed class EvaluationCache
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly string? _appendTo;
    private readonly List<EvaluationRecord> _records = [];

    /// <summary>Reads <paramref name="files"/> (missing ones are empty); new results go to the first.</summary>
    public EvaluationCache(IReadOnlyList<string> files)
    {
        _appendTo = files.Count > 0 ? files[0] : null;
        foreach (var file in files.Where(File.Exists))
        {
            foreach (var line in File.ReadLines(file))
            {
                if (string.IsNullOrWhiteSpace(line)) continue;
                try
                {
                    if (JsonSerializer.Deserialize<EvaluationRecord>(line, Json) is { Sha256: not null } record) _records.Add(record);
                }
                catch (JsonException)
                {
                    // A torn line from an interrupted write: skip it; the evaluation is simply redone.
                }
            }
        }
    }

    private readonly bool _enabled = true;

    private EvaluationCache() => _enabled = false;

    /// <summary>A cache that neither reads nor writes nor remembers (<c>--no-cache</c>).</summary>
    public static EvaluationCache None { get; } = new();

    /// <summary>Every record read or added.</summary>
    public IReadOnlyList<EvaluationRecord> Records => _records;

    /// <summary>The latest result for this content, split and model, if any.</summary>
    public EvaluationRecord? Find(string sha256, string split, string model) =>
        !_enabled ? null : _records.LastOrDefault(r => r.Sha256 == sha256 && r.Split == split && r.Model == model);

    /// <summary>A content hash recorded for this very file (same path, size and modification time), if any.</summary>
    public string? KnownHash(string fullPath, long size, long modifiedUnixMs) =>
        _records.LastOrDefault(r => r.Checkpoint == fullPath && r.Size == size && r.ModifiedUnixMs == modifiedUnixMs)?.Sha256;

    /// <summary>Appends one whole line and flushes it to disk.</summary>
    public void Add(EvaluationRecord record)
    {
        if (!_enabled) return;
        _records.Add(record);
        if (_appendTo is null) return;
        var line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(record, Json) + "\n");
        using var stream = new FileStream(_appendTo, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        if (stream.Length > 0)
        {
            stream.Seek(-1, SeekOrigin.End);
            var needsNewline = stream.ReadByte() != '\n';
            stream.Seek(0, SeekOrigin.End);
            if (needsNewline) stream.WriteByte((byte)'\n');
        }
        stream.Write(line);
        stream.Flush(flushToDisk: true);
    }
}
