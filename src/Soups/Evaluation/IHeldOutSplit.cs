using TorchSharp;

namespace Soups.Evaluation;

/// <summary>Labelled examples a soup is scored on: a tensor file or an image folder, optionally masked.</summary>
public interface IHeldOutSplit : IDisposable
{
    /// <summary>Number of examples.</summary>
    int Count { get; }

    /// <summary>Identifies the content (data, mask, preprocessing): equal fingerprints mean equal examples.</summary>
    string Fingerprint { get; }

    /// <summary>A short description for logs and reports.</summary>
    string Description { get; }

    /// <summary>The shape of one example's input (without the batch dimension), for checks against the model.</summary>
    IReadOnlyList<long> InputShape { get; }

    /// <summary>The smallest and largest label, for checks against the model's class count.</summary>
    (long Min, long Max) LabelRange { get; }

    /// <summary>Every file the split reads (data, images, mask), so that no output can overwrite one.</summary>
    IReadOnlyList<string> Files { get; }

    /// <summary>
    /// Globals its torch.save pickle names that only an attack uses (read as inert data because the read was allowed);
    /// empty for other splits.
    /// </summary>
    IReadOnlyList<string> UnsafeGlobals => [];

    /// <summary>The examples at <paramref name="indices"/> as one batch (CPU); the caller disposes it.</summary>
    (torch.Tensor Inputs, torch.Tensor Labels) Batch(IReadOnlyList<int> indices);

    /// <summary>Batches in a fixed order: float inputs and int64 labels, on the CPU; the caller disposes them.</summary>
    IEnumerable<(torch.Tensor Inputs, torch.Tensor Labels)> Batches(int batchSize);
}
