using System.Globalization;
using Soups.Souping;

namespace Soups.Cli;

/// <summary>Human-readable output of soup commands.</summary>
internal static class SoupPrinter
{
    public static void Print(TextWriter output, SoupReport report)
    {
        var o = report.Output;
        output.WriteLine($"{report.Strategy} soup of {report.Ingredients.Count} ingredient(s) -> {o.Path}");
        output.WriteLine($"  {o.Format}, {o.Tensors} tensors, {o.Parameters.ToString("N0", CultureInfo.InvariantCulture)} parameters, {Bytes(o.Bytes)}, {report.ElapsedSeconds:0.00} s");
        foreach (var ingredient in report.Ingredients)
            output.WriteLine($"  weight {ingredient.Weight.ToString("0.0000", CultureInfo.InvariantCulture)}  {ingredient.Path}");
        output.WriteLine($"  sha256 {o.Sha256}");
    }

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.00} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes} B",
    };
}
