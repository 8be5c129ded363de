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
}
