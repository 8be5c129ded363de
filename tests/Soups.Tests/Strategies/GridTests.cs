using Soups.Strategies;

namespace Soups.Tests.Strategies;

public class GridTests
{
    [Theory]
    [InlineData("0:1:0.0001", "has 10001 values")]
    [InlineData("0:1e18:0.01", "has over 10^15 values")] // 10^20 values: past a long
    [InlineData("0:1e300:1e-300", "has over 10^15 values")] // infinitely many, as a double
    [InlineData("-1e308:1e308:1", "has over 10^15 values")] // STOP - START overflows to infinity
    public void A_range_with_too_many_values_is_refused_however_many_it_has(string text, string expected)
    {
        var error = Assert.Throws<OptionException>(() => Grid.Parse(text, "scales"));
        Assert.Equal("scales", error.Setting);
        Assert.Contains(expected, error.Problem);
        Assert.Contains("at most 10000", error.Problem);
    }

    [Fact]
    public void A_range_of_exactly_the_limit_is_read() => Assert.Equal(10_000, Grid.Parse("1:10000:1", "x").Values.Count);
}
