using System.CommandLine;
using System.Diagnostics;
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
        var learned = new LearnedOptions(ownBatchSize: true);
        var outDir = new Option<string>("--out-dir") { Description = "Folder for report.md, report.json, plot.png and the soups.", Required = true }
            .NotEmpty().Check(d => File.Exists(d) ? "names a file; give a folder (it is created if missing)" : null);
        var force = new Option<bool>("--force", "-f") { Description = "Overwrite files in --out-dir." };
        var strategies = new Option<string>("--strategies")
        {
            Description = $"Comma-separated methods to run (default all): {string.Join(", ", ComparisonMethods.All)}.",
            DefaultValueFactory = _ => string.Join(",", ComparisonMethods.All),
        }.Check(text =>
        {
            var unknown = Methods(text).Where(m => !ComparisonMethods.All.Contains(m)).ToList();
            return unknown.Count > 0 ? $"unknown {string.Join(", ", unknown)} (choose from {string.Join(", ", ComparisonMethods.All)})"
                : Methods(text).Length == 0 ? "no methods named" : null;
        });
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
            var methods = Methods(parse.GetValue(strategies)!);
            var outputs = methods.Where(m => !m.Contains("ensemble")).Select(m => $"{m}.safetensors")
                .Concat(["report.md", "report.json", "plot.png"]).Select(f => Path.Combine(folder, f)).ToList();
            var taken = outputs.FirstOrDefault(File.Exists);
            if (taken != null && !overwrite) throw new SoupException($"{taken}: already exists (use --force to overwrite)");
            var folderParent = Path.GetDirectoryName(Path.GetFullPath(folder))!;
            if (!Directory.Exists(folder) && !Directory.Exists(folderParent))
                throw new SoupException($"--out-dir {folder}: its parent folder {folderParent} does not exist");
            using var run = EvaluatedSoupRun.Open(parse, common, null, evaluation, tests, context);
            foreach (var file in outputs) run.Inputs.RequireNotAnInput(file);
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
            AtomicFile.WriteAll(report.Plot, overwrite, ComparisonPlot.Render(result.Ingredients, result.Methods, run.Tests.Count > 0));
            AtomicFile.WriteAll(report.ReportMarkdown, overwrite, MarkdownReport.Render(report));
            AtomicFile.WriteAll(Path.Combine(folder, "report.json"), overwrite, JsonSerializer.Serialize(report, JsonOutput.Options) + "\n");

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

    private static string[] Methods(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
