using Soups.Checkpoints;
using TorchSharp;

namespace Soups.Models;

/// <summary>
/// <c>--model clip-vit</c>: the paper's CLIP ViT fine-tunes as they are (issue #5). Width, depth, heads (width/64),
/// patch and image size are inferred from the tensors, so ViT-B/32, B/16 and L/14 checkpoints of this layout load.
/// The image tower is found by its <c>class_embedding</c> (e.g. <c>model.visual.</c>) and the head by shape
/// (e.g. <c>classification_head.</c>); both can be named: <c>clip-vit:visual=PREFIX,head=PREFIX,heads=N</c>. Other
/// tensors (CLIP's text tower) are carried: averaged into soups, unused by the forward pass.
/// </summary>
public sealed class ClipViTFamily(IReadOnlyDictionary<string, string>? settings = null) : IModelFamily
{
    private readonly IReadOnlyDictionary<string, string> _settings = settings ?? new Dictionary<string, string>();

    /// <inheritdoc />
    public string Name => "clip-vit";

    /// <inheritdoc />
    public string Description => "CLIP ViT image tower + linear head (the model-soups checkpoints; clip preprocessing)";

    /// <inheritdoc />
    public string Identity
    {
        get
        {
            // Everything that changes a result is in the cache key (issue #8): the settings and the compute type.
            var parts = _settings.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}").ToList();
            if (ComputeType != torch.ScalarType.Float32) parts.Add("precision=" + DTypes.Name(ComputeType));
            return parts.Count == 0 ? Name : Name + ":" + string.Join(",", parts);
        }
    }

    /// <summary>Mixed precision for CUDA: the compute type of the forward pass (float32 by default).</summary>
    public torch.ScalarType ComputeType { get; init; } = torch.ScalarType.Float32;

    /// <summary>Reads the architecture off the tensors and the prefixes.</summary>
    public (ClipVisionConfig Config, string Visual, string Head) Infer(IReadOnlyList<TensorInfo> layout)
    {
        var byName = layout.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var visual = _settings.GetValueOrDefault("visual") ?? DetectVisual(layout);
        TensorInfo Need(string name) => byName.TryGetValue(name, out var t) ? t
            : throw new OptionException("model", $"clip-vit: tensor '{name}' not found (name the image tower with clip-vit:visual=PREFIX)");
        var width = (int)Need(visual + "class_embedding").Shape[0];
        var patch = (int)Need(visual + "conv1.weight").Shape[2];
        var positions = Need(visual + "positional_embedding").Shape[0];
        var grid = (int)Math.Round(Math.Sqrt(positions - 1));
        if (grid * grid != positions - 1) throw new OptionException("model", $"clip-vit: {positions} positions is not a square grid plus a class token");
        var layers = layout.Select(t => t.Name).Where(n => n.StartsWith(visual + "transformer.resblocks.", StringComparison.Ordinal))
            .Select(n => n[(visual + "transformer.resblocks.").Length..].Split('.')[0]).Distinct().Count();
        var embed = (int)Need(visual + "proj").Shape[1];
        var heads = _settings.TryGetValue("heads", out var h) ? int.Parse(h, System.Globalization.CultureInfo.InvariantCulture) : width / 64;
        if (heads <= 0 || width % heads != 0) throw new OptionException("model", $"clip-vit: width {width} cannot be split into {heads} heads (set clip-vit:heads=N)");
        var head = _settings.GetValueOrDefault("head") ?? DetectHead(layout, visual, embed);
        var classes = (int)Need(head + "weight").Shape[0];
        return (new ClipVisionConfig(width, layers, heads, patch, grid * patch, embed, classes), visual, head);
    }

    /// <inheritdoc />
    public IModel Create(IReadOnlyList<TensorInfo> layout, torch.Device device)
    {
        if (ComputeType != torch.ScalarType.Float32 && device.type != DeviceType.CUDA)
            throw new OptionException("precision", "fp16/bf16 needs a CUDA device; the CPU evaluates in float32");
        var (config, visual, head) = Infer(layout);
        var module = new ClipVisionClassifier(config);
        var names = module.state_dict().Keys.ToDictionary(
            key => key.StartsWith("visual.", StringComparison.Ordinal) ? visual + key["visual.".Length..] : head + key["head.".Length..],
            key => key, StringComparer.Ordinal);
        var carried = layout.Where(t => !names.ContainsKey(t.Name)).ToList();
        return new ModuleModel(module, module.forward, device, names, carried, ComputeType);
    }

    private static string DetectVisual(IReadOnlyList<TensorInfo> layout)
    {
        var found = layout.Where(t => t.Name.EndsWith("class_embedding", StringComparison.Ordinal) && t.Shape.Length == 1).ToList();
        if (found.Count != 1)
            throw new OptionException("model", $"clip-vit: found {found.Count} '*class_embedding' tensors; name the image tower with clip-vit:visual=PREFIX");
        return found[0].Name[..^"class_embedding".Length];
    }

    private static string DetectHead(IReadOnlyList<TensorInfo> layout, string visual, int embed)
    {
        var names = layout.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var candidates = layout.Where(t => !t.Name.StartsWith(visual, StringComparison.Ordinal) && t.Name.EndsWith(".weight", StringComparison.Ordinal)
                                           && t.Shape.Length == 2 && t.Shape[1] == embed && names.Contains(t.Name[..^"weight".Length] + "bias"))
            .Select(t => t.Name[..^"weight".Length]).ToList();
        if (candidates.Count == 1) return candidates[0];
        var named = candidates.Where(c => c.Contains("head", StringComparison.OrdinalIgnoreCase)).ToList();
        if (named.Count == 1) return named[0];
        throw new OptionException("model", $"clip-vit: cannot tell the classification head ({candidates.Count} candidates); name it with clip-vit:head=PREFIX");
    }
}
