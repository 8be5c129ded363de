using Soups.Strategies;

namespace Soups.Tests.Strategies;

/// <summary>A λ or α chosen at the edge of its grid is warned of, with a wider grid to try; a natural bound is not an edge.</summary>
public class GridEdgeTests
{
    private static string? Scale(string grid, double chosen) =>
        GridEdge.Warning(Grid.Parse(grid, "scales"), chosen, "λ", "scales", lowest: 0, highest: double.PositiveInfinity);

    private static string? Alpha(string grid, double chosen) =>
        GridEdge.Warning(Grid.Parse(grid, "alphas"), chosen, "α", "alphas", lowest: 0, highest: 1);

    [Fact]
    public void The_largest_scale_tried_gets_a_warning_suggesting_a_grid_twice_as_wide_at_the_same_step()
    {
        Assert.Equal("best at the edge of the grid (λ = 1, the largest tried); try --scales 0:2:0.05", Scale("0:1:0.05", 1));
        Assert.Equal("best at the edge of the grid (λ = 0.5, the largest tried); try --scales 0.25:0.75:0.25", Scale("0.25,0.5", 0.5));
    }

    [Fact]
    public void The_smallest_scale_tried_is_an_edge_only_above_zero()
    {
        Assert.Equal("best at the edge of the grid (λ = 0.5, the smallest tried); try --scales 0:1:0.1", Scale("0.5:1:0.1", 0.5));
        Assert.Null(Scale("0:1:0.05", 0)); // the base alone: a negative λ is task negation
    }

    [Fact]
    public void A_scale_inside_the_grid_or_a_grid_of_one_value_gets_no_warning()
    {
        Assert.Null(Scale("0:1:0.05", 0.1));
        Assert.Null(Scale("0.3", 0.3));
    }

    [Fact]
    public void Alpha_zero_and_one_are_the_two_checkpoints_themselves_and_never_an_edge()
    {
        Assert.Null(Alpha("0:1:0.1", 1));
        Assert.Null(Alpha("0:1:0.1", 0));
        Assert.Null(Alpha("0:1:0.1", 0.3));
    }

    [Fact]
    public void An_alpha_grid_short_of_the_endpoints_is_widened_up_to_them_only()
    {
        Assert.Equal("best at the edge of the grid (α = 0.8, the largest tried); try --alphas 0.2:1:0.1", Alpha("0.2:0.8:0.1", 0.8));
        Assert.Equal("best at the edge of the grid (α = 0.2, the smallest tried); try --alphas 0:0.8:0.1", Alpha("0.2:0.8:0.1", 0.2));
    }
}
