using Soups.Strategies;
using Soups.Strategies.BuiltIn;

namespace Soups.Tests.Strategies;

/// <summary>The pictures of a strategy's findings: one unit (%), the chosen point called out, whole-number axes where x is a count.</summary>
public class CurvePlotTests
{
    [Fact]
    public void A_curve_plot_marks_the_chosen_point_in_percent()
    {
        CurvePoint P(double x, double accuracy) => new(x, accuracy, 0.1, new Dictionary<string, double> { ["test"] = accuracy });
        var plot = Curve.Plot("curve", "title", "α", [P(0, 0.9), P(0.3, 0.962), P(1, 0.95)], 0.3);
        var mark = Assert.Single(plot.Marks);
        Assert.Equal((0.3, 96.2), (mark.X, Math.Round(mark.Y, 6)));
        Assert.Equal("chosen: α = 0.3 (96.20% held-out)", mark.Label);
        Assert.All(plot.Series, s => Assert.All(s.Y, y => Assert.True(y > 1, "accuracy in percent")));
    }

    [Fact]
    public void The_search_plot_counts_sizes_in_whole_numbers_and_rings_greedy_so_it_shows_on_the_best_subset()
    {
        var one = new SearchSoup.SubsetScore(["a"], 0.96, 0.1, null);
        var two = new SearchSoup.SubsetScore(["a", "b"], 0.95, 0.1, null);
        var result = new SearchSoup.Result("exhaustive", 2, 3, 1, 0, null, ["a", "b"], one, one, [], [one, two]);
        var plot = Assert.Single(result.Plots());
        Assert.True(plot.WholeX);
        Assert.Equal("held-out accuracy (%)", plot.YLabel);
        Assert.All(plot.Series, s => Assert.All(s.Y, y => Assert.True(y > 1, "accuracy in percent")));
        // The best subset is drawn filled, greedy's choice after it as a larger ring: where they are one, both show.
        Assert.Equal(["subsets", "best subset", "greedy soup"], plot.Series.Select(s => s.Name));
        Assert.True(plot.Series[2].Hollow && plot.Series[2].MarkerSize > plot.Series[1].MarkerSize);
    }
}
