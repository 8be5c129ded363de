namespace Soups.Checkpoints;

/// <summary>How to find the state dict inside a checkpoint and how to name its tensors.</summary>
/// <param name="StripPrefix">
/// A key prefix removed when every tensor name starts with it; <c>module.</c> (DataParallel) by default, empty for none.
/// </param>
/// <param name="StateDictKey">
/// For torch.save files holding a dict of more than weights: the dotted path of the state dict inside it
/// (e.g. <c>model</c>, <c>ema.state_dict</c>); null to look for the usual keys.
/// </param>
public sealed record ReadOptions(string StripPrefix = "module.", string? StateDictKey = null)
{
    /// <summary>The defaults.</summary>
    public static ReadOptions Default { get; } = new();

    /// <summary>
    /// Prefix rewrites applied after <see cref="StripPrefix"/>, first match wins: a name starting with
    /// <see cref="PrefixRule.From"/> has that part replaced by <see cref="PrefixRule.To"/> (e.g. a wrapper's
    /// <c>model.</c> → empty, so keys match the model being evaluated).
    /// </summary>
    public IReadOnlyList<PrefixRule> PrefixRules { get; init; } = [];

    /// <summary>
    /// Read a torch.save file whose pickle names what only an attack uses (<c>os.system</c>, <c>builtins.eval</c>) as
    /// inert data, as every other unknown global is; by default such a file is refused with
    /// <see cref="UnsafeCheckpointException"/>. Nothing in a pickle is ever run either way.
    /// </summary>
    public bool AllowUnsafeGlobals { get; init; }
}

/// <summary>One prefix rewrite, parsed from <c>FROM=TO</c>.</summary>
public sealed record PrefixRule(string From, string To)
{
    /// <summary>Parses <c>FROM=TO</c> (TO may be empty).</summary>
    public static PrefixRule Parse(string text)
    {
        var at = text.IndexOf('=');
        if (at <= 0) throw new OptionException("map-prefix", $"expected FROM=TO, got '{text}'");
        return new PrefixRule(text[..at], text[(at + 1)..]);
    }
}
