using Soups.Evaluation;

namespace Soups.Runs;

/// <summary>Everything <c>soup compare</c> measured.</summary>
/// <param name="HeldOut">The held-out split, described.</param>
/// <param name="Tests">The test splits' names.</param>
/// <param name="Methods">One row per method: the best individual, every soup, the ensembles.</param>
/// <param name="Ingredients">One row per ingredient.</param>
/// <param name="Soups">Each soup written, by method name.</param>
/// <param name="GreedyEnsemble">The members of the greedy ensemble.</param>
/// <param name="ToolVersion">This tool's version.</param>
/// <param name="ElapsedSeconds">Wall time of the comparison.</param>
public sealed record ComparisonResult(string HeldOut, IReadOnlyList<string> Tests, IReadOnlyList<ScoreRow> Methods,
    IReadOnlyList<ScoreRow> Ingredients, IReadOnlyDictionary<string, SoupRunResult> Soups, IReadOnlyList<string> GreedyEnsemble,
    string ToolVersion, double ElapsedSeconds);
