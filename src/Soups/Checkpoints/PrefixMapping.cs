namespace Soups.Checkpoints;

/// <summary>Maps stored tensor names to the names users and models see (issue #2 and #3).</summary>
internal static class PrefixMapping
{
    /// <summary>Returns a function from stored names to user-facing names.</summary>
    public static Func<string, string> For(IReadOnlyCollection<string> names, ReadOptions options)
    {
        var prefix = options.StripPrefix;
        var strip = !string.IsNullOrEmpty(prefix) && names.Count > 0
                    && names.All(n => n.StartsWith(prefix, StringComparison.Ordinal));
        var rules = options.PrefixRules;
        return name =>
        {
            if (strip) name = name[prefix.Length..];
            foreach (var rule in rules)
                if (name.StartsWith(rule.From, StringComparison.Ordinal))
                    return rule.To + name[rule.From.Length..];
            return name;
        };
    }
}
