using Soups.Checkpoints;
using Soups.Inspection;
using Soups.Baking;
using Soups.Ingredients;
using Soups.Strategies;
using TorchSharp;

namespace Soups.Tests.Inspection;

public class IngredientGeometryTests
{
    [Fact]
    public void Distances_and_cosines_match_a_direct_computation_over_all_float_weights()
    {
        var paths = Fixture.Ingredients();
        using var set = IngredientSet.Open(paths, ReadOptions.Default);
        var geometry = IngredientGeometry.Compute(set, torch.CPU);

        // Independent: flatten every float tensor into one float64 array per ingredient.
        var vectors = paths.Select(p => Fixture.ReadAll(p)
            .Where(kv => kv.Value.is_floating_point())
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .SelectMany(kv => kv.Value.to(torch.float64).flatten().data<double>().ToArray()).ToArray()).ToArray();
        for (var i = 0; i < 3; i++)
        for (var j = 0; j < 3; j++)
        {
            var distance = Math.Sqrt(vectors[i].Zip(vectors[j], (a, b) => (a - b) * (a - b)).Sum());
            var dot = vectors[i].Zip(vectors[j], (a, b) => a * b).Sum();
            var cosine = dot / Math.Sqrt(vectors[i].Sum(a => a * a) * vectors[j].Sum(b => b * b));
            Assert.Equal(distance, geometry.Distances[i, j], 9);
            Assert.Equal(cosine, geometry.Cosines[i, j], 9);
        }
        Assert.True(geometry.Distances[0, 1] > 0);
    }

    [Fact]
    public void Summaries_count_tensors_parameters_dtypes_and_bytes_from_the_index()
    {
        using var reader = KnownCheckpointFormats.Open(Fixture.PyTorch("ingredient_0.pt"));
        var summary = CheckpointSummary.Of(reader);
        Assert.Equal(11, summary.TensorCount);
        // conv 36+4, bn 4*4, fc1 1024+64, head 640+10
        Assert.Equal(36 + 4 + 16 + 1024 + 64 + 640 + 10, summary.ParameterCount);
        Assert.Equal(10, summary.DTypeCounts["float32"]);
        Assert.Equal(1, summary.DTypeCounts["int64"]);
        Assert.Equal(summary.ParameterCount * 4 + 8, summary.Bytes);
    }
}
