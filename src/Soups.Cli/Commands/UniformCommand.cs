using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Soups.Checkpoints;
using Soups.Engine;
using Soups.FileSystem;
using Soups.Souping;

namespace Soups.Cli.Commands;

/// <summary><c>soup uniform CKPT... -o OUT</c>: the mean (or weighted mean) of all ingredients.</summary>
internal static class UniformCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var output = new OutputOptions();
        var weights = new Option<string?>("--weights")
        {
            Description = "Comma-separated non-negative weights, one per checkpoint, for a weighted mean: sum(w*x)/sum(w).",
        }.ParsedBy(text => ParseWeights(text));
        var command = new Command("uniform", "Bake the uniform soup: the exact mean of all checkpoints, accumulated in float64.");
        common.AddTo(command);
        output.AddTo(command);
        command.Options.Add(weights);
        CommandRunner.SetAction(command, common, (parse, context, cancellation) =>
        {
            var paths = common.CheckpointPaths(parse);
            var target = output.Resolve(parse);
            var parsedWeights = ParseWeights(parse.GetValue(weights));
            ComputeDevice.SetThreads(parse.GetValue(common.Threads));
            var device = ComputeDevice.Resolve(parse.GetValue(common.Device)!);
            var clock = Stopwatch.StartNew();

            using var ingredients = IngredientSet.Open(paths, common.ReadOptions(parse));
            ingredients.RequireCompatible();
            var inputs = new InputGuard();
            foreach (var reader in ingredients.Readers) inputs.Add("checkpoint", reader.Files);
            inputs.RequireNotAnInput(target.Path);
            var recipe = new UniformSoup(parsedWeights).Plan(ingredients, cancellation);
            IngredientLog.Describe(context, ingredients);
            context.Log.Debug("Mixing {Count} ingredients ({Tensors} tensors) on {Device}",
                ingredients.Count, ingredients.Layout.Count, device.type.ToString().ToLowerInvariant());
            var baked = context.WithProgress(progress =>
                new SoupBaker(device).Bake(ingredients, recipe, target, progress, cancellation));
            foreach (var warning in baked.Warnings) context.Log.Warning("{Warning}", warning);

            var report = SoupReport.From(ingredients, recipe, baked, clock.Elapsed);
            if (parse.GetValue(common.Json)) JsonOutput.Write(context.Output, report);
            else SoupPrinter.Print(context.Output, report);
            return 0;
        });
        return command;
    }

    private static double[]? ParseWeights(string? text)
    {
        if (text is null) return null;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
                throw new SoupException($"'{parts[i]}' is not a number");
        SoupMixer.CheckWeights(values);
        return values;
    }
}
