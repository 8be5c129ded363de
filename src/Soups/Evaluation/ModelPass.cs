using Soups.Models;
using TorchSharp;

namespace Soups.Evaluation;

/// <summary>
/// One pass of a model, with whatever weights it holds now, over one split: top-1 accuracy and mean cross-entropy, or
/// the logits. <see cref="Evaluator"/> is what puts weights (a checkpoint, a candidate soup) into the model and keeps
/// the results; this is the loop underneath.
/// </summary>
public sealed class ModelPass(IModel model, IHeldOutSplit split, int batchSize)
{
    /// <summary>The model evaluated (its weights are whatever was last assigned).</summary>
    public IModel Model { get; } = model;

    /// <summary>The split evaluated on.</summary>
    public IHeldOutSplit Split { get; } = split;

    /// <summary>Evaluates the model's current weights.</summary>
    public EvalResult Run(IProgress<StepProgress>? progress = null, CancellationToken cancellation = default)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), "batch size must be positive");
        using var phase = AllocationPolicy.Evaluating();
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
            if (seen == 0) CheckLabels(logits.shape[1], "the model");
            var y = labels.to(Model.Device);
            lossSum += torch.nn.functional.cross_entropy(logits, y, reduction: torch.nn.Reduction.Sum).to(torch.float64).item<double>();
            correct += logits.argmax(1).eq(y).sum().item<long>();
            seen += (int)labels.shape[0];
            progress?.Report(new StepProgress(StepProgress.Pass, seen, Split.Count));
        }
        if (seen == 0) throw new InputException(Split.Description, "the split is empty");
        // NaN logits (NaN weights or inputs) make argmax meaningless: such a model has no accuracy, and loses every comparison.
        var accuracy = double.IsNaN(lossSum) ? double.NaN : (double)correct / seen;
        return new EvalResult(accuracy, lossSum / seen, seen, correct);
    }

    /// <summary>The logits of the whole split (float32, CPU, [count, classes]) and its labels, in split order.</summary>
    public (torch.Tensor Logits, torch.Tensor Labels) AllLogits(CancellationToken cancellation = default)
    {
        using var phase = AllocationPolicy.Evaluating();
        var logits = new List<torch.Tensor>();
        var labels = new List<torch.Tensor>();
        try
        {
            foreach (var (batchInputs, batchLabels) in Split.Batches(batchSize))
            {
                labels.Add(batchLabels);
                using var inputs = batchInputs;
                cancellation.ThrowIfCancellationRequested();
                using var scope = torch.NewDisposeScope();
                logits.Add(Logits(inputs).cpu().MoveToOuterDisposeScope());
                if (logits.Count == 1) CheckLabels(logits[0].shape[1], "the model");
            }
            return (torch.cat(logits, 0), torch.cat(labels, 0));
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

    /// <summary>
    /// Checks, before any real work, that the split's examples fit the model: one example goes through the forward
    /// pass, and the labels must be class indices the model has (issue #8: one line naming the split, its input shape
    /// and the model, instead of a libtorch error).
    /// </summary>
    public void Probe(string modelName)
    {
        if (Split.Count == 0) throw new InputException(Split.Description, "the split is empty");
        var (inputs, labels) = Split.Batch([0]);
        using (inputs)
        using (labels)
        {
            using var scope = torch.NewDisposeScope();
            var logits = Logits(inputs, modelName);
            CheckLabels(logits.shape[1], modelName);
        }
    }

    // The split knows its label range up front, so this costs nothing per pass.
    private void CheckLabels(long classes, string modelName)
    {
        var (min, max) = Split.LabelRange;
        if (min < 0 || max >= classes)
            throw new InputException(Split.Description, $"labels must lie in [0, {classes - 1}] for {modelName} " +
                                                        $"({classes} classes), found {(min < 0 ? min : max)}");
    }

    /// <summary>Float32 logits of one batch, on the model's device.</summary>
    public torch.Tensor Logits(torch.Tensor inputs, string? modelName = null)
    {
        torch.Tensor output;
        try
        {
            output = Model.Forward(inputs.to(Model.Device));
        }
        catch (Exception e) when (e is System.Runtime.InteropServices.ExternalException or ArgumentException or InvalidOperationException)
        {
            var reason = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? e.GetType().Name;
            throw new InputException(Split.Description, $"inputs of shape [{string.Join(", ", Split.InputShape)}] do not fit " +
                                                        $"{modelName ?? "the model"} ({reason})", e);
        }
        using (output)
        {
            if (output.dim() != 2)
                throw new InputException(modelName ?? "the model", $"returned logits of shape [{string.Join(", ", output.shape)}]; expected [batch, classes]");
            return output.to(torch.float32);
        }
    }
}
