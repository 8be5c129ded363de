namespace Soups.Evaluation;

/// <summary>
/// One line of a results file: one checkpoint's score on one split with one model. <see cref="Weights"/> says which
/// weights inside the file were scored (the key they were found under, any prefix rules): empty for the plain file.
/// <see cref="Stamp"/> is what the file system said of the file when it was hashed (<see cref="FileSystem.FileStamp.Text"/>):
/// only a file with the same stamp may take <see cref="Sha256"/> without being hashed again.
/// </summary>
public sealed record EvaluationRecord(
    string Checkpoint,
    string Sha256,
    long Size,
    long ModifiedUnixMs,
    string Split,
    string Model,
    double Accuracy,
    double Loss,
    int Count,
    long Correct,
    DateTimeOffset EvaluatedAt,
    string Tool,
    string? Weights = null,
    string? Stamp = null);
