using System.Text;
using System.CommandLine;
using Soups.Cli.Reports;
using Soups.Evaluation;
using Soups.FileSystem;
using Soups.Runs;
using Soups.Strategies;

namespace Soups.Cli.Commands;

/// <summary>
/// <c>soup compare CKPT... --model M --heldout H [--test NAME=DATA ...] --out-dir DIR</c>: every registered strategy and
/// the ensemble baselines side by side, with <c>report.md</c>, <c>report.json</c>, <c>plot.png</c> and the soups. Its
/// rows come from the registry; the strategies' settings are given per strategy with <c>--set</c> (<see cref="CompareSettings"/>).
/// </summary>
internal static class CompareCommand
{
    public static Command Create(IReadOnlyList<ISoupStrategy> known)
    {
        var methods = ComparisonRun.MethodsOf(known);
        var common = new CommonOptions(CheckpointArguments.List("The ingredients: fine-tuned checkpoints of one pretrained model"));
        var evaluation = new EvaluationOptions();
        var outDir = new Option<string>("--out-dir") { Description = "Folder for report.md, report.json, plot.png and the soups.", Required = true }
            .NotEmpty().Check(d => File.Exists(d) ? "names a file; give a folder (it is created if missing)" : null);
        var force = new Option<bool>("--force", "-f") { Description = "Overwrite files in --out-dir." };
        var strategies = new Option<string?>("--strategies")
        {
            Description = $"Comma-separated methods to run (default: every one whose needs are met): {string.Join(", ", methods)}.",
        }.Check(text =>
        {
            var unknown = Methods(text).Where(m => !methods.Contains(m)).ToList();
            return unknown.Count > 0 ? $"unknown {string.Join(", ", unknown)} (choose from {string.Join(", ", methods)})"
                : Methods(text).Length == 0 ? "no methods named" : null;
        });
        var settings = new CompareSettings(known);
        var command = new Command("compare",
            "Compare every ingredient, the best individual, every strategy's soup and the ensembles on held-out and test splits.");
        command.Options.Add(strategies);
        command.Options.Add(settings.Option);
        command.Options.Add(outDir);
        command.Options.Add(force);
        common.AddBase(command);
        evaluation.AddTo(command);
        common.AddTo(command);
        CommandRunner.SetAction(command, common, (parse, context, cancellation) =>
        {
            var folder = parse.GetValue(outDir)!;
            var overwrite = parse.GetValue(force);
            var (markdown, json, plot) = (Path.Combine(folder, "report.md"), Path.Combine(folder, "report.json"), Path.Combine(folder, "plot.png"));
            var folderParent = Path.GetDirectoryName(Path.GetFullPath(folder))!;
            if (!Directory.Exists(folder) && !Directory.Exists(folderParent))
                throw new OptionException("out-dir", $"{folder}: its parent folder {folderParent} does not exist");
            var request = new ComparisonRequest(parse.GetValue(strategies) is { } text ? Methods(text) : null, settings.Read(parse),
                common.Ingredients(parse), evaluation.Request(parse), common.Compute(parse), folder, overwrite, [markdown, json, plot])
            {
                Strategies = known,
                Reports = result => new Dictionary<string, byte[]>
                {
                    [plot] = ComparisonPlot.Render(result.Ingredients, result.Methods, result.Tests.Count > 0),
                    [markdown] = Encoding.UTF8.GetBytes(MarkdownReport.Render(result, Path.GetFileName(plot))),
                    [json] = Encoding.UTF8.GetBytes(ReportFile.Serialize(result) + "\n"),
                },
            };
            var result = context.WithProgress(progress => ComparisonRun.Execute(request, context.Observer(progress), cancellation));
            if (parse.GetValue(common.Json)) context.Output.WriteLine(ReportFile.Serialize(result));
            else if (context.Screen?.Output != null)
            {
                // On a terminal: a table that fits it (Markdown stays in report.md).
                var sheet = context.Sheet;
                sheet.Table(["method", "held-out", .. result.Tests, "forward passes"], result.Methods.Select(m => (IReadOnlyList<string>)
                [
                    m.Name, Percent.Of(m.HeldOut.Accuracy), .. result.Tests.Select(t => Percent.Of(m.Tests[t].Accuracy)),
                    m.Forwards.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ]), highlightBest: true);
                sheet.Line($"Report: {markdown}, {json}, {plot}");
            }
            else
            {
                context.Output.Write(MarkdownReport.Table(result.Methods, result.Tests, withCost: true));
                context.Output.WriteLine();
                context.Output.WriteLine($"Report: {markdown}, {json}, {plot}");
            }
            return 0;
        });
        return command;
    }

    private static string[] Methods(string? text) =>
        (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
