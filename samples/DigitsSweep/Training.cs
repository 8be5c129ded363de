using Soups.Models;
using TorchSharp;

namespace DigitsSweep;

/// <summary>One fine-tuning or pretraining run: Adam, shuffled mini-batches, optional augmentation.</summary>
internal sealed record RunSettings(double LearningRate, int Epochs, int BatchSize, int Seed, bool Augment);

internal static class Training
{
    /// <summary>Trains <paramref name="model"/> in place; deterministic for a given seed on the CPU.</summary>
    public static void Train(DigitsCnn model, torch.Tensor inputs, torch.Tensor labels, RunSettings run, Action<string>? log = null)
    {
        torch.manual_seed(run.Seed);
        using var generator = new torch.Generator((ulong)run.Seed);
        using var optimizer = torch.optim.Adam(model.parameters(), run.LearningRate);
        model.train();
        var count = labels.shape[0];
        for (var epoch = 0; epoch < run.Epochs; epoch++)
        {
            using var order = torch.randperm(count, generator: generator);
            double lossSum = 0;
            for (long start = 0; start < count; start += run.BatchSize)
            {
                using var scope = torch.NewDisposeScope();
                var index = order.narrow(0, start, Math.Min(run.BatchSize, count - start));
                var x = inputs.index_select(0, index);
                if (run.Augment) x = Augment(x, generator);
                var loss = torch.nn.functional.cross_entropy(model.forward(x), labels.index_select(0, index));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>() * index.shape[0];
            }
            log?.Invoke($"  epoch {epoch + 1}/{run.Epochs}: train loss {lossSum / count:0.0000}");
        }
        model.eval();
    }

    /// <summary>Top-1 accuracy in eval mode.</summary>
    public static double Accuracy(DigitsCnn model, torch.Tensor inputs, torch.Tensor labels)
    {
        model.eval();
        using var _ = torch.no_grad();
        long correct = 0;
        for (long start = 0; start < labels.shape[0]; start += 500)
        {
            using var scope = torch.NewDisposeScope();
            var length = Math.Min(500, labels.shape[0] - start);
            correct += model.forward(inputs.narrow(0, start, length)).argmax(1).eq(labels.narrow(0, start, length)).sum().item<long>();
        }
        return (double)correct / labels.shape[0];
    }

    // Random shifts of up to ±2 pixels (zero padding, one shift per example) plus Gaussian noise σ = 0.05.
    private static torch.Tensor Augment(torch.Tensor x, torch.Generator generator)
    {
        var n = (int)x.shape[0];
        using var padded = torch.nn.functional.pad(x, [2, 2, 2, 2]);
        using var shifts = torch.randint(0, 5, [n, 2], generator: generator);
        var offsets = shifts.data<long>().ToArray();
        var shifted = torch.stack(Enumerable.Range(0, n).Select(i =>
            padded[i].narrow(1, offsets[2 * i], 28).narrow(2, offsets[2 * i + 1], 28)).ToArray());
        using var noise = torch.randn(shifted.shape, generator: generator);
        return shifted + noise * 0.05f;
    }
}
