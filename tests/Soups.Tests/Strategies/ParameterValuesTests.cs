using System.Text.Json;
using Soups.Runs;
using Soups.Strategies;
using Soups.Strategies.BuiltIn;

namespace Soups.Tests.Strategies;

/// <summary>
/// Settings as reports write them: typed JSON values (numbers, text, arrays, null); and as soups record them: text,
/// unchanged, so that existing soups rebake bit for bit.
/// </summary>
public class ParameterValuesTests
{
    private static JsonElement Json(ISoupStrategy strategy, ParameterValues values) =>
        JsonDocument.Parse(ReportFile.Serialize(values.ToJson(strategy.Parameters))).RootElement;

    [Fact]
    public void Numbers_are_numbers_choices_are_text_and_no_value_is_null()
    {
        var greedy = Json(KnownStrategies.Greedy, ParameterValues.Defaults);
        Assert.Equal(JsonValueKind.Number, greedy.GetProperty("passes").ValueKind);
        Assert.Equal(1, greedy.GetProperty("passes").GetInt32());
        Assert.Equal("gt", greedy.GetProperty("accept").GetString());

        var learned = Json(KnownStrategies.Learned, ParameterValues.Defaults.With(LearnedSoup.LearningRate, 0.01));
        Assert.Equal(0.01, learned.GetProperty("lr").GetDouble());
        Assert.Equal(5, learned.GetProperty("epochs").GetInt32());
        Assert.Equal("model", learned.GetProperty("granularity").GetString());
        Assert.Equal("auto", learned.GetProperty("ingredients").GetString());

        var arithmetic = Json(KnownStrategies.TaskArithmetic, ParameterValues.Defaults);
        Assert.Equal(JsonValueKind.Null, arithmetic.GetProperty("scale").ValueKind);
        Assert.Equal(0.3, Json(KnownStrategies.TaskArithmetic, ParameterValues.Defaults.With(SharedParameters.Scale, 0.3))
            .GetProperty("scale").GetDouble());
        Assert.Equal(JsonValueKind.Null, Json(KnownStrategies.Search, ParameterValues.Defaults).GetProperty("shard").ValueKind);
    }

    [Fact]
    public void Lists_and_grids_are_arrays_of_their_values()
    {
        var uniform = Json(KnownStrategies.Uniform, ParameterValues.Defaults.With(UniformSoup.Weights, [1.0, 3.0]));
        Assert.Equal([1.0, 3.0], uniform.GetProperty("weights").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal(JsonValueKind.Null, Json(KnownStrategies.Uniform, ParameterValues.Defaults).GetProperty("weights").ValueKind);

        var alphas = Json(KnownStrategies.Interpolate, ParameterValues.Defaults).GetProperty("alphas").EnumerateArray().Select(v => v.GetDouble()).ToList();
        Assert.Equal(11, alphas.Count);
        Assert.Equal(0.3, alphas[3]);
    }

    [Fact]
    public void Soup_metadata_keeps_the_text_forms()
    {
        var texts = ParameterValues.Defaults.With(UniformSoup.Weights, [1.0, 3.0]).Describe(KnownStrategies.Uniform.Parameters);
        Assert.Equal("1,3", texts["weights"]);
        Assert.Equal("0:1:0.05", ParameterValues.Defaults.Describe(KnownStrategies.TaskArithmetic.Parameters)["scales"]);
        Assert.Equal("1", ParameterValues.Defaults.Describe(KnownStrategies.Greedy.Parameters)["passes"]);
    }
}
