using System.Text.Json;
using Soups.Checkpoints;

namespace Soups.Cli;

/// <summary>The <c>OUT.report.json</c> written next to a soup: the same object <c>--json</c> prints.</summary>
internal static class SoupReportFile
{
    public static string PathFor(string output) => output + ".report.json";

    public static void CheckWritable(string path, bool overwrite)
    {
        if (File.Exists(path) && !overwrite) throw new SoupException($"{path}: already exists (use --force to overwrite)");
    }

    public static void Write(string path, object report, bool overwrite)
    {
        AtomicFile.WriteAll(path, overwrite, JsonSerializer.Serialize(report, JsonOutput.Options) + "\n");
    }
}
