using Soups.Baking;
using Soups.Strategies;

namespace Soups.Runs;

/// <summary>Everything one soup run needs to know, as plain immutable values (what a front end maps its arguments to).</summary>
/// <param name="Strategy">The strategy.</param>
/// <param name="Parameters">Its parameter values.</param>
/// <param name="Ingredients">The checkpoints.</param>
/// <param name="Evaluation">How to evaluate, or null for strategies that do not.</param>
/// <param name="Compute">Device and threads.</param>
/// <param name="Output">The soup to write.</param>
public sealed record SoupRunRequest(ISoupStrategy Strategy, ParameterValues Parameters, IngredientRequest Ingredients,
    EvaluationRequest? Evaluation, ComputeRequest Compute, SoupOutput Output)
{
    /// <summary>The report written beside the soup: the same object a front end prints as JSON.</summary>
    public string ReportPath => ReportFile.PathFor(Output.Path);

    /// <summary>Draws a picture of the result as PNG bytes (a front end's plotting); null: no pictures are written.</summary>
    public Func<ResultPlot, byte[]>? RenderPlot { get; init; }

    /// <summary>Where each picture the strategy may make goes (<c>OUT.NAME.png</c>), by name.</summary>
    public IReadOnlyDictionary<string, string> PlotPaths => Strategy.PlotNames.ToDictionary(n => n, n => $"{Output.Path}.{n}.png");
}
