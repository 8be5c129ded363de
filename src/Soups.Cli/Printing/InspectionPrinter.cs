using System.Globalization;
using Soups.Runs;

namespace Soups.Cli.Printing;

/// <summary>The human output of <c>soup inspect</c>.</summary>
internal static class InspectionPrinter
{
    public static void Print(Sheet output, InspectionResult result)
    {
        var invariant = CultureInfo.InvariantCulture;
        var all = result.Base is null ? result.Checkpoints : [.. result.Checkpoints, result.Base];
        for (var i = 0; i < all.Count; i++)
        {
            var s = all[i];
            output.Line(i < result.Checkpoints.Count ? $"[{i}] {s.Path}" : $"[base] {s.Path}");
            output.Line($"    format {s.Format}, {s.TensorCount} tensors, {s.ParameterCount.ToString("N0", invariant)} floating-point parameters, {SoupRunPrinter.Bytes(s.Bytes)}");
            output.Line($"    dtypes: {string.Join(", ", s.DTypeCounts.Select(kv => $"{kv.Key} x{kv.Value}"))}");
            output.Line($"    weights: {(s.WeightsKey.Length == 0 ? "the top level" : $"key '{s.WeightsKey}'")}");
            if (s.Metadata.Count > 0)
            {
                output.Line("    metadata:");
                foreach (var (key, value) in s.Metadata) output.Line($"      {LongText.Cut(key)}: {LongText.Cut(value)}");
            }
            if (s.LeftOut.Count > 0) output.Line($"    left out: {string.Join(", ", s.LeftOut)}");
            if (s.ForeignGlobals.Count > 0) output.Line($"    pickle names (not run): {string.Join(", ", s.ForeignGlobals)}");
            if (s.UnsafeGlobals.Count > 0)
                output.Line($"    UNSAFE: torch.load would run {string.Join(", ", s.UnsafeGlobals)}; other commands refuse this file " +
                            "(--allow-unsafe-globals reads it as inert data)");
            if (i < result.Recipes.Count && result.Recipes[i] is { } recipe) RecipePrinter.PrintTree(output, recipe, "    ");
        }
        if (all.Count < 2) return;
        output.Line(result.Compatible
            ? "compatible: yes (same tensor names, shapes and dtypes)"
            : $"compatible: no ({result.MismatchCount} difference(s))");
        foreach (var mismatch in result.Mismatches.Take(10)) output.Line($"    {mismatch}");
        if (result.L2Distances != null && result.CosineSimilarities != null)
        {
            Matrix(output, "L2 distance", result.L2Distances, "0.####");
            Matrix(output, "cosine similarity", result.CosineSimilarities, "0.######");
        }
        if (result.TaskVectors is { } tasks) TaskVectors(output, tasks);
    }

    private static void TaskVectors(Sheet output, Soups.Inspection.TaskVectorGeometry tasks)
    {
        var inv = CultureInfo.InvariantCulture;
        output.Line("task vectors (ingredient - base): norms " +
                         string.Join(", ", tasks.Norms.Select((n, i) => $"[{i}] {n.ToString("0.####", inv)}")));
        Matrix(output, "task-vector cosine similarity", tasks.Cosines, "0.######");
        output.Line("per tensor:");
        var (tensors, more) = LongText.Head(tasks.Tensors);
        output.Table(["tensor", "mean cosine", .. tasks.Norms.Select((_, i) => $"norm [{i}]")],
            tensors.Select(t => (IReadOnlyList<string>)[t.Tensor, t.MeanCosine.ToString("0.####", inv), .. t.Norms.Select(n => n.ToString("0.####", inv))]), "  ");
        if (more > 0) output.Line($"  … and {more.ToString("N0", inv)} more tensors (all of them with --json)");
    }

    private static void Matrix(Sheet output, string title, double[][] values, string format)
    {
        output.Line($"{title}:");
        var labels = Enumerable.Range(0, values.Length).Select(i => $"[{i}]").ToList();
        output.Table(["", .. labels],
            values.Select((row, i) => (IReadOnlyList<string>)[labels[i], .. row.Select(v => v.ToString(format, CultureInfo.InvariantCulture))]), "  ");
    }
}
