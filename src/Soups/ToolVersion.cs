using System.Reflection;

namespace Soups;

/// <summary>The tool's version, as stamped into outputs and reports.</summary>
public static class ToolVersion
{
    /// <summary>The informational version of this assembly, without build metadata.</summary>
    public static string Text { get; } =
        (typeof(ToolVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0")
        .Split('+')[0];
}
