using System.Text;
using System.Text.Json;
using Soups.FileSystem;

namespace Soups.Evaluation;

/// <summary>
/// Results files of JSON lines (issue #3): <c>soup eval</c> appends one line per evaluation, <c>soup greedy</c> reuses a
/// result when the checkpoint's content, the split and the model are unchanged. Lines are appended whole and
/// flushed, and a torn last line (a kill mid-write) is ignored, so a cache survives being killed. Several files
/// can be read at once, e.g. the outputs of a sharded <c>soup eval --shard i/n</c> job array.
/// </summary>
public sealed class EvaluationCache
{
    // NaN and Infinity (a broken ingredient's loss) are written as the strings JSON allows for them, and read back.
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };
    private readonly string? _appendTo;
    private readonly List<EvaluationRecord> _records = [];

    /// <summary>Reads <paramref name="files"/> (missing ones are empty); new results go to the first.</summary>
    public EvaluationCache(IReadOnlyList<string> files)
    {
        foreach (var file in files.Where(f => File.Exists(f) || Directory.Exists(f))) InputFiles.RequireReadable(file);
        if (files.Count > 0 && Directory.Exists(files[0])) throw new OutputException(files[0], OutputProblem.IsFolder, "is a folder");
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

    /// <summary>A cache that neither reads nor writes nor remembers (no results files).</summary>
    public static EvaluationCache None { get; } = new();

    /// <summary>Every record read or added.</summary>
    public IReadOnlyList<EvaluationRecord> Records => _records;

    /// <summary>The latest result for this content (and these weights inside it), split and model, if any.</summary>
    public EvaluationRecord? Find(string sha256, string weights, string split, string model) =>
        !_enabled ? null : _records.LastOrDefault(r => r.Sha256 == sha256 && (r.Weights ?? "") == weights && r.Split == split && r.Model == model);

    /// <summary>
    /// A content hash recorded for this very file: the same path and the same <see cref="FileStamp.Text"/> (records
    /// without a stamp, written by older versions, are never taken for a file's hash).
    /// </summary>
    public string? KnownHash(string fullPath, string stamp) =>
        _records.LastOrDefault(r => r.Stamp == stamp && r.Checkpoint == fullPath)?.Sha256;

    /// <summary>
    /// Appends one whole line with a single write to a file opened for appending (O_APPEND), so that two runs sharing
    /// a results file cannot overwrite each other's records (issue #8); then flushes it to disk.
    /// </summary>
    public void Add(EvaluationRecord record)
    {
        if (!_enabled) return;
        _records.Add(record);
        if (_appendTo is null) return;
        var line = JsonSerializer.Serialize(record, Json) + "\n";
        // A torn last line (a run killed mid-write) is ended first, so the new record starts a line of its own.
        if (EndsTorn(_appendTo)) line = "\n" + line;
        try
        {
            AppendOnly.Write(_appendTo, Encoding.UTF8.GetBytes(line));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A write cut short leaves a torn last line, which readers skip: the records before it stay whole.
            throw new OutputException(_appendTo, OutputProblem.WriteFailed,
                $"cannot record this evaluation ({e.Message}); the results already in it are intact", e);
        }
    }

    private static bool EndsTorn(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            if (stream.Length == 0) return false;
            stream.Seek(-1, SeekOrigin.End);
            return stream.ReadByte() != '\n';
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }
}
