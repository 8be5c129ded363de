using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Soups.Checkpoints;
using Soups.Cli.Reports;
using Soups.Evaluation;
using Soups.Souping;

namespace Soups.Cli.Commands;

/// <summary>
/// <c>soup compare CKPT... --model M --heldout H [--test NAME=DATA ...] --out-dir DIR</c>: every strategy and the
/// ensemble baselines side by side, with <c>report.md</c>, <c>report.json</c>, <c>plot.png</c> and the soups (issue #4).
/// </summary>
internal static class CompareCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var evaluation = new EvaluationOptions();
        var tests = new TestSetOption();
        var accept = new AcceptOption();
        var learned = new LearnedOptions();
        var outDir = new Option<string>("--out-dir") { Description = "Folder for report.md, report.json, plot.png and the soups.", Required = true };
        var force = new Option<bool>("--force", "-f") { Description = "Overwrite files in --out-dir." };
        var strategies = new Option<string>("--strategies")
        {
            Description = $"Comma-separated methods to run (default all): {string.Join(", ", ComparisonMethods.All)}.",
            DefaultValueFactory = _ => string.Join(",", ComparisonMethods.All),
        };
        var command = new Command("compare",
            "Compare every ingredient, the best individual, uniform/greedy/learned soups and the ensembles on held-out and test splits.");
        common.AddTo(command);
        evaluation.AddTo(command);
        command.Options.Add(tests.Option);
        command.Options.Add(outDir);
        command.Options.Add(force);
        command.Options.Add(strategies);
        command.Options.Add(accept.Option);
        learned.AddTo(command);
        CommandRunner.SetAction(command, common, (parse, context, cancellation) =>
        {
            var clock = Stopwatch.StartNew();
            var folder = parse.GetValue(outDir)!;
            var overwrite = parse.GetValue(force);
            var methods = parse.GetValue(strategies)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var outputs = methods.Where(m => !m.Contains("ensemble")).Select(m => $"{m}.safetensors").Concat(["report.md", "report.json", "plot.png"]);
            var taken = outputs.Select(f => Path.Combine(folder, f)).FirstOrDefault(File.Exists);
            if (taken != null && !overwrite) throw new SoupException($"{taken}: already exists (use --force to overwrite)");
            using var run = EvaluatedSoupRun.Open(parse, common, null, evaluation, tests, context);
            Directory.CreateDirectory(folder);
            var comparison = new SoupComparison(run.Evaluator, run.Ingredients, run.HeldOut, run.Tests, run.Device, run.BatchSize)
            {
                OnProgress = line => context.Log.Information("{Line}", line),
            };
            var result = context.WithProgress(run.Evaluator, () => comparison.Run(methods, folder, overwrite, accept.Resolve(parse),
                learned.Resolve(parse, LearnedGranularity.Model, run.BatchSize), cancellation));

            var report = new ComparisonReport(run.HeldOut.Description, run.Tests.Select(t => t.Name).ToList(), result.Methods,
                result.Ingredients, result.Soups, result.GreedyEnsemble, Path.Combine(folder, "report.md"),
                Path.Combine(folder, "plot.png"), ToolVersion.Text, Math.Round(clock.Elapsed.TotalSeconds, 1));
            WriteAtomically(report.Plot, overwrite, path => ComparisonPlot.Save(path, result.Ingredients, result.Methods, run.Tests.Count > 0));
            WriteText(report.ReportMarkdown, MarkdownReport.Render(report), overwrite);
            WriteText(Path.Combine(folder, "report.json"), JsonSerializer.Serialize(report, JsonOutput.Options) + "\n", overwrite);

            if (parse.GetValue(common.Json)) JsonOutput.Write(context.Output, report);
            else
            {
                context.Output.Write(MarkdownReport.Table(result.Methods, report.Tests, withCost: true));
                context.Output.WriteLine();
                context.Output.WriteLine($"Report: {report.ReportMarkdown}, {Path.Combine(folder, "report.json")}, {report.Plot}");
            }
            return 0;
        });
        return command;
    }

    private static void WriteText(string path, string text, bool overwrite)
    {
        using var file = AtomicFile.Create(path, overwrite);
        file.Stream.Write(Encoding.UTF8.GetBytes(text));
        file.Commit();
    }

    private static void WriteAtomically(string path, bool overwrite, Action<string> write)
    {
        if (File.Exists(path) && !overwrite) throw new SoupException($"{path}: already exists (use --force to overwrite)");
        var temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp.png");
        try
        {
            write(temp);
            File.Move(temp, path, overwrite);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
