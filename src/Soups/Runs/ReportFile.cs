using System.Text.Json;
using System.Text.Json.Serialization;
using Soups.FileSystem;
using Soups.Strategies;

namespace Soups.Runs;

/// <summary>
/// The one JSON shape of results: snake_case names; a non-finite number (a broken ingredient's loss) as <c>null</c>;
/// a strategy's result written as its own record type. Used for <c>OUT.report.json</c> and for <c>--json</c>.
/// </summary>
public static class ReportFile
{
    /// <summary>The serializer settings every report and JSON printout uses.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new FiniteOrNull(), new ByRuntimeType() },
    };

    /// <summary>Where the report of a soup written to <paramref name="output"/> goes.</summary>
    public static string PathFor(string output) => output + ".report.json";

    /// <summary>The JSON text of a result.</summary>
    public static string Serialize(object value) => JsonSerializer.Serialize(value, value.GetType(), Json);

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/>, atomically.</summary>
    public static void Write(string path, object value, bool overwrite) => AtomicFile.WriteAll(path, overwrite, Serialize(value) + "\n");

    private sealed class FiniteOrNull : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }
    }

    // A StrategyResult property is written as the runtime record (greedy's steps, learned coefficients), whatever the
    // strategy: no list of result types to keep beside KnownStrategies.
    private sealed class ByRuntimeType : JsonConverter<StrategyResult>
    {
        public override bool CanConvert(Type typeToConvert) => typeToConvert == typeof(StrategyResult);

        public override StrategyResult Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("strategy results are written, not read");

        public override void Write(Utf8JsonWriter writer, StrategyResult value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value, value.GetType(), options);
    }
}
