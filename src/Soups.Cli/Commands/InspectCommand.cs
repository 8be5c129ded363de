using System.CommandLine;
using System.Globalization;
using Soups.Engine;
using Soups.Inspection;
using Soups.Souping;

namespace Soups.Cli.Commands;

/// <summary>
/// <c>soup inspect CKPT...</c>: what each checkpoint holds, whether they can be souped together and, for several,
/// how far apart their weights are.
/// </summary>
internal static class InspectCommand
{
    private sealed record InspectReport(IReadOnlyList<CheckpointSummary> Checkpoints, bool Compatible,
        IReadOnlyList<Mismatch> Mismatches, int MismatchCount, double[][]? L2Distances, double[][]? CosineSimilarities);

    public static Command Create()
    {
        var common = new CommonOptions();
        var noDistances = new Option<bool>("--no-distances")
        {
            Description = "Skip the pairwise distances (which read every tensor); report only what the indexes say.",
        };
        var command = new Command("inspect",
            "Show tensor and parameter counts, dtypes and sizes; check that checkpoints are compatible; with several, " +
            "their pairwise L2 distances and cosine similarities (ingredients of one soup should be close: one basin).");
        common.AddTo(command);
        command.Options.Add(noDistances);
        CommandRunner.SetAction(command, common, (parse, context, cancellation) =>
        {
            var paths = common.CheckpointPaths(parse);
            ComputeDevice.SetThreads(parse.GetValue(common.Threads));
            using var ingredients = IngredientSet.Open(paths, common.ReadOptions(parse));
            IngredientLog.Describe(context, ingredients);
            var summaries = ingredients.Readers.Select(CheckpointSummary.Of).ToList();
            var compatibility = ingredients.CheckCompatibility();
            IngredientGeometry? geometry = null;
            if (ingredients.Count > 1 && compatibility.IsCompatible && !parse.GetValue(noDistances))
            {
                var device = ComputeDevice.Resolve(parse.GetValue(common.Device)!);
                geometry = context.WithProgress(p => IngredientGeometry.Compute(ingredients, device, p, cancellation));
            }
            var report = new InspectReport(summaries, compatibility.IsCompatible, compatibility.Mismatches,
                compatibility.TotalMismatches, Jagged(geometry?.Distances), Jagged(geometry?.Cosines));
            if (parse.GetValue(common.Json)) JsonOutput.Write(context.Output, report);
            else Print(context.Output, report, compatibility);
            return 0;
        });
        return command;
    }

    private static void Print(TextWriter output, InspectReport report, CompatibilityReport compatibility)
    {
        var invariant = CultureInfo.InvariantCulture;
        for (var i = 0; i < report.Checkpoints.Count; i++)
        {
            var s = report.Checkpoints[i];
            output.WriteLine($"[{i}] {s.Path}");
            output.WriteLine($"    format {s.Format}, {s.TensorCount} tensors, {s.ParameterCount.ToString("N0", invariant)} floating-point parameters, {SoupPrinter.Bytes(s.Bytes)}");
            output.WriteLine($"    dtypes: {string.Join(", ", s.DTypeCounts.Select(kv => $"{kv.Key} x{kv.Value}"))}");
            output.WriteLine($"    weights: {(s.WeightsKey.Length == 0 ? "the top level" : $"key '{s.WeightsKey}'")}");
            if (s.LeftOut.Count > 0) output.WriteLine($"    left out: {string.Join(", ", s.LeftOut)}");
            if (s.ForeignGlobals.Count > 0)
                output.WriteLine($"    pickle names (not run): {string.Join(", ", s.ForeignGlobals)}" +
                                 (s.ForeignGlobals.Any(Soups.Checkpoints.TorchZip.SuspiciousGlobals.IsSuspicious) ? "  <- torch.load would run code" : ""));
        }
        if (report.Checkpoints.Count < 2) return;
        output.WriteLine(report.Compatible
            ? "compatible: yes (same tensor names, shapes and dtypes)"
            : $"compatible: no ({report.MismatchCount} difference(s))");
        foreach (var mismatch in compatibility.Mismatches.Take(10)) output.WriteLine($"    {mismatch}");
        if (report.L2Distances is null || report.CosineSimilarities is null) return;
        Matrix(output, "L2 distance", report.L2Distances, "0.####");
        Matrix(output, "cosine similarity", report.CosineSimilarities, "0.######");
    }

    private static void Matrix(TextWriter output, string title, double[][] values, string format)
    {
        output.WriteLine($"{title}:");
        var cells = values.Select(row => row.Select(v => v.ToString(format, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        var width = Math.Max(4, cells.SelectMany(r => r).Max(c => c.Length));
        output.WriteLine("      " + string.Join(" ", Enumerable.Range(0, values.Length).Select(i => $"[{i}]".PadLeft(width))));
        for (var i = 0; i < cells.Length; i++)
            output.WriteLine($"  [{i}] " + string.Join(" ", cells[i].Select(c => c.PadLeft(width))));
    }

    private static double[][]? Jagged(double[,]? matrix)
    {
        if (matrix is null) return null;
        var n = matrix.GetLength(0);
        return Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n).Select(j => matrix[i, j]).ToArray()).ToArray();
    }
}
