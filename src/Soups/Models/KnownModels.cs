namespace Soups.Models;

/// <summary>The one table of built-in architectures; <c>--model</c> may also name a TorchScript file.</summary>
public static class KnownModels
{
    /// <summary>Built-in architectures by name.</summary>
    public static IReadOnlyList<IModelFamily> BuiltIn { get; } =
    [
        new DigitsCnnFamily(),
        new ClipViTFamily(),
        new ResNetFamily(18),
        new ResNetFamily(34),
        new ResNetFamily(50),
        new ResNetFamily(101),
        new ResNetFamily(152),
    ];

    /// <summary>
    /// A TorchScript file when <paramref name="spec"/> is an existing file, else a built-in by name; a built-in may take
    /// settings after a colon (<c>clip-vit:visual=model.visual.,head=classification_head.</c>).
    /// </summary>
    public static IModelFamily Resolve(string spec, TorchSharp.torch.ScalarType computeType = TorchSharp.torch.ScalarType.Float32)
    {
        var (name, settings) = Split(spec);
        var clip = name.Equals("clip-vit", StringComparison.OrdinalIgnoreCase);
        if (computeType != TorchSharp.torch.ScalarType.Float32 && !clip)
            throw new OptionException("precision", "fp16/bf16 is available for the clip-vit model only");
        if (File.Exists(spec)) return new TorchScriptFamily(spec);
        if (clip) return new ClipViTFamily(settings) { ComputeType = computeType };
        if (settings.Count > 0) throw new OptionException("model", $"'{name}' takes no settings");
        return BuiltIn.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new OptionException("model", $"'{spec}' is neither a file nor a built-in model ({string.Join(", ", BuiltIn.Select(f => f.Name))})");
    }

    private static (string Name, Dictionary<string, string> Settings) Split(string spec)
    {
        var at = spec.IndexOf(':');
        if (at < 0) return (spec, []);
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in spec[(at + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) throw new OptionException("model", $"expected NAME:key=value,..., got '{spec}'");
            settings[part[..eq]] = part[(eq + 1)..];
        }
        return (spec[..at], settings);
    }
}
