namespace Soups.Cli.Usage;

/// <summary>The known words a mistyped one was probably meant as ("did you mean --heldout?").</summary>
internal static class Suggestions
{
    /// <summary>
    /// The words of <paramref name="known"/> nearest to <paramref name="typed"/>, nearest first, at most three: those
    /// within one edit for words of up to five letters and two edits for longer ones, then those it begins (a word cut
    /// short). Leading dashes are not compared; a word shorter than three letters gets no suggestion (every short
    /// option would be as near as any other).
    /// </summary>
    public static IReadOnlyList<string> Nearest(string typed, IEnumerable<string> known)
    {
        var bare = typed.TrimStart('-');
        if (bare.Length < 3) return [];
        var limit = bare.Length <= 5 ? 1 : 2;
        return known.Distinct()
            .Select(word => (Word: word, Distance: EditDistance.Between(bare, word.TrimStart('-'))))
            .Select(w => w with { Distance = w.Distance <= limit ? w.Distance
                : w.Word.TrimStart('-').StartsWith(bare, StringComparison.OrdinalIgnoreCase) ? limit + 1 : int.MaxValue })
            .Where(w => w.Distance != int.MaxValue)
            .OrderBy(w => w.Distance).ThenBy(w => w.Word, StringComparer.Ordinal)
            .Take(3)
            .Select(w => w.Word)
            .ToList();
    }

    /// <summary>"; did you mean A?" or "; did you mean A or B?"; empty when there is nothing to suggest.</summary>
    public static string DidYouMean(IReadOnlyList<string> words) => words.Count switch
    {
        0 => "",
        1 => $"; did you mean {words[0]}?",
        _ => $"; did you mean {string.Join(", ", words.Take(words.Count - 1))} or {words[^1]}?",
    };
}
