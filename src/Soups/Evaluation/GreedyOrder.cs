namespace Soups.Evaluation;

/// <summary>
/// The order in which greedy soup (and the greedy ensemble) considers ingredients, exactly as the paper's code forms it
/// (model-soups <c>main.py</c>): a stable sort by held-out accuracy, ascending, then reversed. So the best comes first
/// and, among equal accuracies, the ingredient given <em>later</em> comes first (issue #8). NaN sorts lowest.
/// </summary>
public static class GreedyOrder
{
    /// <summary>Indices of <paramref name="accuracies"/>, best first, ties broken as the paper's code breaks them.</summary>
    public static IReadOnlyList<int> Of(IReadOnlyList<double> accuracies) =>
        Enumerable.Range(0, accuracies.Count).OrderBy(i => accuracies[i]).Reverse().ToList();

    /// <summary>Whether <paramref name="candidate"/> accuracy is kept against <paramref name="current"/> under <paramref name="rule"/> (NaN never is).</summary>
    public static bool Accepts(this AcceptRule rule, double candidate, double current) =>
        rule == AcceptRule.Greater ? candidate > current : candidate >= current;
}
