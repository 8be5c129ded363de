using Soups.Checkpoints.TorchZip;
using Soups.Souping;

namespace Soups.Cli;

/// <summary>What the logs say about opened checkpoints: where the weights were found and what was left out (issue #8).</summary>
internal static class IngredientLog
{
    public static void Describe(CommandContext context, IngredientSet ingredients)
    {
        foreach (var reader in ingredients.Readers)
        {
            var where = reader.WeightsKey.Length == 0 ? "the top level" : $"key '{reader.WeightsKey}'";
            context.Log.Debug("{Path}: {Count} tensors at {Where} ({Format}){LeftOut}", reader.Path, reader.Tensors.Count, where,
                reader.Format, reader.LeftOut.Count == 0 ? "" : "; left out: " + string.Join(", ", reader.LeftOut));
            var suspicious = reader.ForeignGlobals.Where(SuspiciousGlobals.IsSuspicious).ToList();
            if (suspicious.Count > 0)
                context.Log.Warning("{Path}: its pickle names {Globals}, which torch.load would run; soup read only the weights and ran nothing",
                    reader.Path, string.Join(", ", suspicious));
        }
    }
}
