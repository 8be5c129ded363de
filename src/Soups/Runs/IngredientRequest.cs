using Soups.Checkpoints;

namespace Soups.Runs;

/// <summary>The checkpoints a run reads: the ingredients, how to read them, and optionally the pretrained base.</summary>
/// <param name="Paths">The ingredient files, in order.</param>
/// <param name="Read">Where the weights are inside each file and how tensor names are mapped.</param>
/// <param name="Base">The base checkpoint, or null.</param>
public sealed record IngredientRequest(IReadOnlyList<string> Paths, ReadOptions Read, string? Base = null);
