using Soups.Cli.Printing;

namespace Soups.Cli.Tests.Printing;

public class LongTextTests
{
    [Fact]
    public void Short_values_are_shown_whole_on_one_line() =>
        Assert.Equal("a b", LongText.Cut("a\nb"));

    [Fact]
    public void A_long_value_shows_its_first_characters_and_the_size_of_the_whole()
    {
        var value = new string('x', 95_300_000);
        Assert.Equal(new string('x', 200) + "… (95.3 MB)", LongText.Cut(value));
        Assert.Equal(new string('y', 200) + "… (201 bytes)", LongText.Cut(new string('y', 201)));
    }

    [Fact]
    public void A_cut_never_splits_a_character_in_two()
    {
        var value = new string('x', 199) + "𝔴" + new string('x', 10); // 𝔴 is two UTF-16 units, at 199 and 200
        Assert.Equal(new string('x', 199) + "… (213 bytes)", LongText.Cut(value));
    }

    [Fact]
    public void Long_tables_show_their_first_rows_and_count_the_rest()
    {
        var (shown, more) = LongText.Head(Enumerable.Range(0, 1_000_000).ToList());
        Assert.Equal(Enumerable.Range(0, LongText.ShownRows), shown);
        Assert.Equal(1_000_000 - LongText.ShownRows, more);
        var (all, none) = LongText.Head(new[] { 1, 2, 3 });
        Assert.Equal([1, 2, 3], all);
        Assert.Equal(0, none);
    }
}
