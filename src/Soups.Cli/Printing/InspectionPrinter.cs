using System.Globalization;
using Soups.Checkpoints.TorchZip;
using Soups.Runs;

namespace Soups.Cli.Printing;

/// <summary>The human output of <c>soup inspect</c>.</summary>
internal static class InspectionPrinter
{
    public static void Print(TextWriter output, InspectionResult result)
    {
        var invariant = CultureInfo.InvariantCulture;
        for (var i = 0; i < result.Checkpoints.Count; i++)
        {
            var s = result.Checkpoints[i];
            output.WriteLine($"[{i}] {s.Path}");
            output.WriteLine($"    format {s.Format}, {s.TensorCount} tensors, {s.ParameterCount.ToString("N0", invariant)} floating-point parameters, {SoupRunPrinter.Bytes(s.Bytes)}");
            output.WriteLine($"    dtypes: {string.Join(", ", s.DTypeCounts.Select(kv => $"{kv.Key} x{kv.Value}"))}");
            output.WriteLine($"    weights: {(s.WeightsKey.Length == 0 ? "the top level" : $"key '{s.WeightsKey}'")}");
            if (s.LeftOut.Count > 0) output.WriteLine($"    left out: {string.Join(", ", s.LeftOut)}");
            if (s.ForeignGlobals.Count > 0)
                output.WriteLine($"    pickle names (not run): {string.Join(", ", s.ForeignGlobals)}" +
                                 (s.ForeignGlobals.Any(SuspiciousGlobals.IsSuspicious) ? "  <- torch.load would run code" : ""));
        }
        if (result.Checkpoints.Count < 2) return;
        output.WriteLine(result.Compatible
            ? "compatible: yes (same tensor names, shapes and dtypes)"
            : $"compatible: no ({result.MismatchCount} difference(s))");
        foreach (var mismatch in result.Mismatches.Take(10)) output.WriteLine($"    {mismatch}");
        if (result.L2Distances is null || result.CosineSimilarities is null) return;
        Matrix(output, "L2 distance", result.L2Distances, "0.####");
        Matrix(output, "cosine similarity", result.CosineSimilarities, "0.######");
    }

    private static void Matrix(TextWriter output, string title, double[][] values, string format)
    {
        output.WriteLine($"{title}:");
        var labels = Enumerable.Range(0, values.Length).Select(i => $"[{i}]").ToList();
        TextTable.Write(output, ["", .. labels],
            values.Select((row, i) => (IReadOnlyList<string>)[labels[i], .. row.Select(v => v.ToString(format, CultureInfo.InvariantCulture))]), "  ");
    }
}
