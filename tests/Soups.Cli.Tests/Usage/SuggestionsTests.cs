using Soups.Cli.Usage;

namespace Soups.Cli.Tests.Usage;

/// <summary>Which known words a mistyped one is taken for.</summary>
public class SuggestionsTests
{
    [Theory]
    [InlineData("heldot", "heldout", 1)]
    [InlineData("modle", "model", 1)]   // a swap is one edit
    [InlineData("Greedy", "greedy", 0)]
    [InlineData("abc", "abc", 0)]
    [InlineData("", "abc", 3)]
    [InlineData("kitten", "sitting", 3)]
    public void The_edit_distance_counts_a_swap_of_neighbours_as_one_edit_and_ignores_case(string a, string b, int expected)
    {
        Assert.Equal(expected, EditDistance.Between(a, b));
        Assert.Equal(expected, EditDistance.Between(b, a));
    }

    [Fact]
    public void The_nearest_words_come_first_and_far_or_short_ones_not_at_all()
    {
        string[] options = ["--heldout", "--help", "--model", "--output", "--out-dir", "-o"];
        Assert.Equal(["--heldout"], Suggestions.Nearest("--heldot", options));
        Assert.Equal(["--out-dir", "--output"], Suggestions.Nearest("--out", options));
        Assert.Empty(Suggestions.Nearest("--frobnicate", options));
        Assert.Empty(Suggestions.Nearest("-x", options)); // every one-letter option is one edit away
    }

    [Fact]
    public void Several_suggestions_read_as_a_question()
    {
        Assert.Equal("", Suggestions.DidYouMean([]));
        Assert.Equal("; did you mean --a?", Suggestions.DidYouMean(["--a"]));
        Assert.Equal("; did you mean --a, --b or --c?", Suggestions.DidYouMean(["--a", "--b", "--c"]));
    }
}
