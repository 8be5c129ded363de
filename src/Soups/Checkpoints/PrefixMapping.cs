namespace Soups.Checkpoints;

/// <summary>Strips a common key prefix such as DataParallel's <c>module.</c> (issue #2).</summary>
internal static class PrefixMapping
{
    /// <summary>Returns a function from stored names to user-facing names.</summary>
    public static Func<string, string> For(IReadOnlyCollection<string> names, ReadOptions options)
    {
        var prefix = options.StripPrefix;
        if (string.IsNullOrEmpty(prefix) || names.Count == 0 || !names.All(n => n.StartsWith(prefix, StringComparison.Ordinal)))
            return n => n;
        return n => n[prefix.Length..];
    }
}
