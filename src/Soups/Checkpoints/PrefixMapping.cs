namespace Soups.Checkpoints;

/// <summary>Maps stored tensor names to the names users and models see (issues #2, #3).</summary>
internal static class PrefixMapping
{
    /// <summary>
    /// The user-facing name of each stored name, in order. Two stored names that end up with one name would make one
    /// tensor silently shadow another, so that is an error naming both (issue #8).
    /// </summary>
    public static string[] Apply(IReadOnlyList<string> names, ReadOptions options, string path)
    {
        var prefix = options.StripPrefix;
        var strip = !string.IsNullOrEmpty(prefix) && names.Count > 0
                    && names.All(n => n.StartsWith(prefix, StringComparison.Ordinal));
        var rules = options.PrefixRules;
        var result = new string[names.Count];
        var seen = new Dictionary<string, string>(names.Count, StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            var name = strip ? names[i][prefix.Length..] : names[i];
            for (var r = 0; r < rules.Count; r++) // by index: an enumerator per name adds up over a million names
            {
                if (!name.StartsWith(rules[r].From, StringComparison.Ordinal)) continue;
                name = rules[r].To + name[rules[r].From.Length..];
                break;
            }
            if (!seen.TryAdd(name, names[i]))
                throw new CheckpointFormatException(path, seen[name] == names[i]
                    ? $"tensor name '{names[i]}' appears twice"
                    : $"tensors '{seen[name]}' and '{names[i]}' would both be named '{name}' after the prefix rules");
            result[i] = name;
        }
        return result;
    }
}
