using System.CommandLine;
using System.Globalization;
using Soups.Engine;
using Soups.Evaluation;
using Soups.FileSystem;
using Soups.Models;
using Soups.Souping;

namespace Soups.Cli.Commands;

/// <summary>
/// <c>soup eval CKPT... --model M --heldout D</c>: scores each checkpoint and appends the results to a results file
/// that <c>soup greedy</c> reuses. <c>--shard i/n</c> evaluates one share, for job arrays.
/// </summary>
internal static class EvalCommand
{
    private sealed record EvalRow(string Checkpoint, double Accuracy, double Loss, int Count, bool Cached);

    private sealed record EvalReport(string Split, string Model, IReadOnlyList<EvalRow> Results);

    public static Command Create()
    {
        var common = new CommonOptions();
        var evaluation = new EvaluationOptions();
        var shard = new Option<string?>("--shard")
        {
            Description = "Evaluate only share i of n (0-based, e.g. --shard $SLURM_ARRAY_TASK_ID/8): checkpoints whose position modulo n is i.",
        }.ParsedBy(text => ParseShard(text));
        var command = new Command("eval", "Evaluate checkpoints on a held-out split: top-1 accuracy and mean cross-entropy; results are cached.");
        common.AddTo(command);
        evaluation.AddTo(command);
        command.Options.Add(shard);
        CommandRunner.SetAction(command, common, (parse, context, cancellation) =>
        {
            var paths = common.CheckpointPaths(parse);
            var (index, count) = ParseShard(parse.GetValue(shard));
            var threads = parse.GetValue(common.Threads);
            ComputeDevice.SetThreads(threads);
            var device = ComputeDevice.Resolve(parse.GetValue(common.Device)!);
            var family = evaluation.Family(parse);
            var readOptions = common.ReadOptions(parse);
            using var ingredients = IngredientSet.Open(paths, readOptions);
            using var split = evaluation.OpenHeldOut(parse, threads);
            var inputs = new InputGuard();
            foreach (var reader in ingredients.Readers) inputs.Add("checkpoint", reader.Files);
            inputs.Add("held-out split", split.Files);
            inputs.Add("model", family.Files);
            foreach (var results in evaluation.ResultsFiles(parse)) inputs.RequireNotAnInput(results);
            using var evaluator = new SoupEvaluator(family, ingredients.Layout, device, evaluation.BatchSizeValue(parse),
                evaluation.Cache(parse), readOptions);
            evaluator.OnWarning = message => context.Log.Warning("{Warning}", message);
            evaluator.Probe(split);
            IngredientLog.Describe(context, ingredients);
            context.Log.Information("Held-out split: {Split}", split.Description);

            var rows = new List<EvalRow>();
            for (var i = 0; i < ingredients.Count; i++)
            {
                if (i % count != index) continue;
                var reader = ingredients.Readers[i];
                var result = context.WithProgress(evaluator, () => evaluator.Score(reader, split, cancellation));
                rows.Add(new EvalRow(reader.Path, result.Accuracy, result.Loss, result.Count, result.Cached));
                context.Log.Information("{Path}: accuracy {Accuracy:0.0000}{Cached}", reader.Path, result.Accuracy, result.Cached ? " (cached)" : "");
            }
            var report = new EvalReport(split.Fingerprint, family.Identity, rows);
            if (parse.GetValue(common.Json)) JsonOutput.Write(context.Output, report);
            else Print(context.Output, rows);
            return 0;
        });
        return command;
    }

    private static (int Index, int Count) ParseShard(string? text)
    {
        if (text is null) return (0, 1);
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var i) || !int.TryParse(parts[1], out var n) || n <= 0 || i < 0 || i >= n)
            throw new SoupException($"expected i/n with 0 <= i < n, got '{text}'");
        return (i, n);
    }

    private static void Print(TextWriter output, IReadOnlyList<EvalRow> rows)
    {
        var width = Math.Max(10, rows.Count == 0 ? 10 : rows.Max(r => r.Checkpoint.Length));
        output.WriteLine($"{"checkpoint".PadRight(width)}  accuracy      loss  examples");
        foreach (var r in rows)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Checkpoint.PadRight(width)}  {r.Accuracy,8:0.0000}  {r.Loss,8:0.0000}  {r.Count,8}{(r.Cached ? "  (cached)" : "")}"));
    }
}
