using Soups.Checkpoints;

namespace Soups.Ingredients;

/// <summary>One way an ingredient differs from the first ingredient.</summary>
public sealed record Mismatch(string Path, string Tensor, string Expected, string Found)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}: tensor '{Tensor}' {Found} (expected {Expected})";
}

/// <summary>Whether ingredients share tensor names, shapes and dtypes, with the differences found.</summary>
public sealed record CompatibilityReport(IReadOnlyList<Mismatch> Mismatches, int TotalMismatches)
{
    private const int Kept = 20;

    /// <summary>True when every ingredient matches the first.</summary>
    public bool IsCompatible => TotalMismatches == 0;

    /// <summary>Compares each reader's layout with the first reader's.</summary>
    public static CompatibilityReport Compare(IReadOnlyList<ICheckpointReader> readers)
    {
        var kept = new List<Mismatch>();
        var total = 0;
        void Add(Mismatch m)
        {
            total++;
            if (kept.Count < Kept) kept.Add(m);
        }
        var first = readers[0].Tensors;
        Dictionary<string, TensorInfo>? byName = null;
        foreach (var reader in readers.Skip(1))
        {
            if (SameInOrder(first, reader.Tensors)) continue;
            var reference = byName ??= first.ToDictionary(t => t.Name, StringComparer.Ordinal);
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var info in reader.Tensors)
            {
                names.Add(info.Name);
                if (!reference.TryGetValue(info.Name, out var expected))
                {
                    Add(new Mismatch(reader.Path, info.Name, $"no such tensor, as in {readers[0].Path}", "is extra"));
                    continue;
                }
                if (!expected.Shape.SequenceEqual(info.Shape))
                    Add(new Mismatch(reader.Path, info.Name, expected.ShapeText, $"has shape {info.ShapeText}"));
                if (expected.DType != info.DType)
                    Add(new Mismatch(reader.Path, info.Name, DTypes.Name(expected.DType), $"has dtype {DTypes.Name(info.DType)}"));
            }
            foreach (var missing in reference.Keys.Where(n => !names.Contains(n)))
                Add(new Mismatch(reader.Path, missing, $"present, as in {readers[0].Path}", "is missing"));
        }
        return new CompatibilityReport(kept, total);
    }

    // The usual case, checked without an index: the same tensors in the same order.
    private static bool SameInOrder(IReadOnlyList<TensorInfo> expected, IReadOnlyList<TensorInfo> found)
    {
        if (expected.Count != found.Count) return false;
        for (var i = 0; i < expected.Count; i++)
        {
            var (e, f) = (expected[i], found[i]);
            if (!string.Equals(e.Name, f.Name, StringComparison.Ordinal) || e.DType != f.DType || !e.Shape.AsSpan().SequenceEqual(f.Shape))
                return false;
        }
        return true;
    }

    /// <summary>A one-line summary naming the first differences.</summary>
    public string Summary(int shown = 3) =>
        IsCompatible
            ? "compatible"
            : $"ingredients differ in {TotalMismatches} place(s): " + string.Join("; ", Mismatches.Take(shown))
              + (TotalMismatches > shown ? "; ..." : "");
}
