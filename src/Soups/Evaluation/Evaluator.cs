using Soups.Models;
using Soups.Souping;
using TorchSharp;

namespace Soups.Evaluation;

/// <summary>Runs a model over a held-out split: top-1 accuracy and mean cross-entropy.</summary>
public sealed class Evaluator(IModel model, IHeldOutSplit split, int batchSize)
{
    /// <summary>The model evaluated (its weights are whatever was last assigned).</summary>
    public IModel Model { get; } = model;

    /// <summary>The split evaluated on.</summary>
    public IHeldOutSplit Split { get; } = split;

    /// <summary>Evaluates the model's current weights.</summary>
    public EvalResult Run(IProgress<StepProgress>? progress = null, CancellationToken cancellation = default)
    {
        if (batchSize <= 0) throw new SoupException("--batch-size must be positive");
        long correct = 0;
        double lossSum = 0;
        var seen = 0;
        foreach (var (batchInputs, batchLabels) in Split.Batches(batchSize))
        {
            // The split creates each batch; this loop owns and releases it.
            using var inputs = batchInputs;
            using var labels = batchLabels;
            cancellation.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            var logits = Logits(inputs);
            var y = labels.to(Model.Device);
            CheckLabels(y, logits.shape[1]);
            lossSum += torch.nn.functional.cross_entropy(logits, y, reduction: torch.nn.Reduction.Sum).to(torch.float64).item<double>();
            correct += logits.argmax(1).eq(y).sum().item<long>();
            seen += (int)labels.shape[0];
            progress?.Report(new StepProgress("evaluating", seen, Split.Count));
        }
        if (seen == 0) throw new SoupException($"{Split.Description}: the split is empty");
        return new EvalResult((double)correct / seen, lossSum / seen, seen, correct);
    }

    /// <summary>The logits of the whole split (float32, CPU, [count, classes]) and its labels, in split order.</summary>
    public (torch.Tensor Logits, torch.Tensor Labels) AllLogits(CancellationToken cancellation = default)
    {
        var logits = new List<torch.Tensor>();
        var labels = new List<torch.Tensor>();
        try
        {
            foreach (var (batchInputs, batchLabels) in Split.Batches(batchSize))
            {
                using var inputs = batchInputs;
                cancellation.ThrowIfCancellationRequested();
                using var scope = torch.NewDisposeScope();
                logits.Add(Logits(inputs).cpu().MoveToOuterDisposeScope());
                labels.Add(batchLabels);
            }
            var all = torch.cat(logits, 0);
            var allLabels = torch.cat(labels, 0);
            CheckLabels(allLabels, all.shape[1]);
            return (all, allLabels);
        }
        finally
        {
            foreach (var t in logits.Concat(labels)) t.Dispose();
        }
    }

    /// <summary>Accuracy and mean cross-entropy of given logits (e.g. an ensemble's mean logits).</summary>
    public static EvalResult FromLogits(torch.Tensor logits, torch.Tensor labels)
    {
        using var scope = torch.NewDisposeScope();
        var count = (int)labels.shape[0];
        var correct = logits.argmax(1).eq(labels).sum().item<long>();
        var loss = torch.nn.functional.cross_entropy(logits.to(torch.float32), labels).to(torch.float64).item<double>();
        return new EvalResult((double)correct / count, loss, count, correct);
    }

    /// <summary>Float32 logits of one batch, on the model's device.</summary>
    public torch.Tensor Logits(torch.Tensor inputs)
    {
        var output = Model.Forward(inputs.to(Model.Device));
        if (output.dim() != 2)
            throw new SoupException($"the model returned logits of shape [{string.Join(", ", output.shape)}]; expected [batch, classes]");
        return output.to(torch.float32);
    }

    private void CheckLabels(torch.Tensor labels, long classes)
    {
        var min = labels.min().item<long>();
        var max = labels.max().item<long>();
        if (min < 0 || max >= classes)
            throw new SoupException($"{Split.Description}: labels must lie in [0, {classes - 1}] for this model, found {(min < 0 ? min : max)}");
    }
}
