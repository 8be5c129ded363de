using Soups.Evaluation;

namespace Soups.Runs;

/// <summary>One checkpoint's score in <see cref="EvaluationRun"/>.</summary>
public sealed record CheckpointScore(string Checkpoint, double Accuracy, double Loss, int Count, bool Cached);

/// <summary>What <see cref="EvaluationRun"/> measured: the split's fingerprint, the model's identity and each score.</summary>
public sealed record EvaluationResult(string Split, string Model, IReadOnlyList<CheckpointScore> Results);

/// <summary>
/// Scores checkpoints on a held-out split and records each result in the results files (issue #3). A shard
/// (<c>index</c> of <c>count</c>) scores only the checkpoints at positions <c>index, index + count, ...</c>, for job arrays.
/// </summary>
public static class EvaluationRun
{
    /// <summary>Scores the checkpoints of <paramref name="ingredients"/> in shard <paramref name="shard"/>.</summary>
    public static EvaluationResult Execute(IngredientRequest ingredients, EvaluationRequest evaluation, ComputeRequest compute,
        Evaluation.Shard shard, RunObserver observer, CancellationToken cancellation)
    {
        using var inputs = RunInputs.Open(ingredients, evaluation, compute, [], observer, requireCompatible: false);
        var evaluator = inputs.Evaluator!;
        var rows = new List<CheckpointScore>();
        var share = Enumerable.Range(0, inputs.Ingredients.Count).Count(i => shard.Takes(i));
        for (var i = 0; i < inputs.Ingredients.Count; i++)
        {
            if (!shard.Takes(i)) continue;
            observer.Progress?.Report(new StepProgress(Strategies.Phases.Ingredients, rows.Count, share,
                Strategies.Phases.IngredientsDetail(rows.Count, share, rows.Count(r => r.Cached))));
            var reader = inputs.Ingredients.Readers[i];
            var result = evaluator.Score(reader, inputs.HeldOut!, cancellation);
            rows.Add(new CheckpointScore(reader.Path, result.Accuracy, result.Loss, result.Count, result.Cached));
            observer.Info?.Invoke($"{reader.Path}: accuracy {Percent.Sign(result.Accuracy)}{(result.Cached ? " (cached)" : "")}");
        }
        observer.Progress?.Report(new StepProgress(Strategies.Phases.Ingredients, rows.Count, share,
            Strategies.Phases.IngredientsDetail(rows.Count, share, rows.Count(r => r.Cached))));
        return new EvaluationResult(inputs.HeldOut!.Fingerprint, evaluator.Family.Identity, rows);
    }
}
