namespace Soups.Models;

/// <summary>The one table of built-in architectures; <c>--model</c> may also name a TorchScript file.</summary>
public static class KnownModels
{
    /// <summary>Built-in architectures by name.</summary>
    public static IReadOnlyList<IModelFamily> BuiltIn { get; } =
    [
        new DigitsCnnFamily(),
        new ResNetFamily(18),
        new ResNetFamily(34),
        new ResNetFamily(50),
        new ResNetFamily(101),
        new ResNetFamily(152),
    ];

    /// <summary>A TorchScript file when <paramref name="spec"/> is an existing file, else a built-in by name.</summary>
    public static IModelFamily Resolve(string spec)
    {
        if (File.Exists(spec)) return new TorchScriptFamily(spec);
        return BuiltIn.FirstOrDefault(f => string.Equals(f.Name, spec, StringComparison.OrdinalIgnoreCase))
            ?? throw new SoupException($"--model: '{spec}' is neither a file nor a built-in model ({string.Join(", ", BuiltIn.Select(f => f.Name))})");
    }
}
