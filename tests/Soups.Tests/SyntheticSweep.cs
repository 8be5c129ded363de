using Soups.Checkpoints;
using Soups.Models;
using TorchSharp;

namespace Soups.Tests;

/// <summary>
/// A small sweep made in the test: a DigitsCnn "base", ingredients = base + noise, and a held-out split whose labels
/// are the base's own predictions (so the base is a good model and heavily-noised ingredients are bad ones).
/// </summary>
internal sealed class SyntheticSweep : IDisposable
{
    private readonly TempFolder _folder = new();

    /// <summary>Noise of <see cref="double.PositiveInfinity"/> makes an unrelated network (another random init).</summary>
    public SyntheticSweep(double[] noise, int examples = 96, int seed = 0)
    {
        using var net = ConfidentNetwork(seed);
        var baseState = net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        using var inputs = torch.randn(examples, 1, 28, 28);
        net.eval();
        using (torch.no_grad())
        {
            using var labels = net.forward(inputs).argmax(1);
            HeldOut = _folder.File("heldout.safetensors");
            Write(HeldOut, new Dictionary<string, torch.Tensor> { ["inputs"] = inputs, ["labels"] = labels });
        }
        Ingredients = new string[noise.Length];
        for (var i = 0; i < noise.Length; i++)
        {
            using var generator = new torch.Generator((ulong)(seed * 100 + i + 1));
            var scale = noise[i];
            using var unrelated = double.IsPositiveInfinity(scale) ? ConfidentNetwork(seed * 100 + i + 1) : null;
            var state = unrelated != null
                ? unrelated.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone())
                : baseState.ToDictionary(kv => kv.Key,
                    kv => kv.Value + torch.randn(kv.Value.shape, generator: generator) * (scale * kv.Value.std().item<float>()));
            Ingredients[i] = _folder.File($"ingredient_{i}.safetensors");
            Write(Ingredients[i], state);
        }
    }

    public string HeldOut { get; }

    // A freshly initialised head gives near-uniform logits; scaling it makes a confident model, so that
    // cross-entropy, not just accuracy, prefers the base on its own labels.
    private static DigitsCnn ConfidentNetwork(int seed)
    {
        torch.manual_seed(seed);
        var net = new DigitsCnn();
        using (torch.no_grad())
            foreach (var (name, parameter) in net.named_parameters())
                if (name.StartsWith("head.", StringComparison.Ordinal)) parameter.mul_(30);
        return net;
    }

    public string[] Ingredients { get; }

    public static void Write(string path, IReadOnlyDictionary<string, torch.Tensor> tensors) => Fixture.WriteSafetensors(path, tensors);

    public void Dispose() => _folder.Dispose();
}
