using System.Globalization;
using System.Text.Json.Nodes;

namespace Soups.Strategies;

/// <summary>A parameter whose values are <typeparamref name="T"/>.</summary>
public sealed class Parameter<T>(string name, T defaultValue, string description) : Parameter(name, description)
{
    /// <summary>The value when none is given.</summary>
    public T Default { get; } = defaultValue;

    /// <summary>
    /// Parses the text form (throwing <see cref="OptionException"/> on bad text); null when the front end's own parsing
    /// of <typeparamref name="T"/> (a number, a flag, a string) is right.
    /// </summary>
    public Func<string, T>? Parse { get; init; }

    /// <summary>The text form of a value (for help, reports and soup metadata).</summary>
    public Func<T, string> Format { get; init; } = value => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

    /// <summary>Returns what is wrong with a value, or null when it is fine.</summary>
    public Func<T, string?>? Check { get; init; }

    /// <summary>
    /// The JSON form of a value, when it is not what <see cref="ToJson"/> makes of the value itself (a choice is its
    /// text, a grid its values).
    /// </summary>
    public Func<T, JsonNode?>? Json { get; init; }

    /// <summary>
    /// A value as reports write it: numbers as numbers, flags as booleans, lists as arrays, text as text, no value as
    /// null. The text form (<see cref="Format"/>) stays what soup metadata records.
    /// </summary>
    public JsonNode? ToJson(T value) => value switch
    {
        null => null,
        _ when Json is { } json => json(value),
        bool flag => JsonValue.Create(flag),
        int number => JsonValue.Create(number),
        long number => JsonValue.Create(number),
        double number => Number(number),
        string text => JsonValue.Create(text),
        IEnumerable<double> numbers => new JsonArray(numbers.Select(Number).ToArray()),
        _ => JsonValue.Create(Format(value)),
    };

    // JSON has no NaN or infinity.
    private static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    /// <inheritdoc />
    public override IReadOnlyList<string>? Choices => ChoiceTexts;

    /// <summary>The allowed values' text forms, when there is a fixed list.</summary>
    public IReadOnlyList<string>? ChoiceTexts { get; init; }

    /// <inheritdoc />
    public override string DefaultText => Format(Default);

    /// <summary>
    /// The value whose text form (<see cref="Format"/>) is <paramref name="text"/>: how recorded settings (a soup's
    /// recipe) are read back. Empty text is null for nullable types.
    /// </summary>
    public T FromText(string text)
    {
        var nullable = !typeof(T).IsValueType || Nullable.GetUnderlyingType(typeof(T)) != null;
        if (text.Length == 0 && nullable) return default!;
        if (Parse is { } parse) return parse(text);
        var type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        var inv = CultureInfo.InvariantCulture;
        object? value = null;
        if (type == typeof(string)) value = text;
        else if (type == typeof(int) && int.TryParse(text, NumberStyles.Integer, inv, out var i)) value = i;
        else if (type == typeof(long) && long.TryParse(text, NumberStyles.Integer, inv, out var l)) value = l;
        else if (type == typeof(double) && double.TryParse(text, NumberStyles.Float, inv, out var d)) value = d;
        else if (type == typeof(bool) && bool.TryParse(text, out var b)) value = b;
        if (value is not null) return (T)value;
        var expected = type == typeof(int) || type == typeof(long) ? "an integer" : type == typeof(double) ? "a number"
            : type == typeof(bool) ? "true or false" : "a value of this setting";
        throw new OptionException(Name, $"expected {expected}, got '{text}'");
    }

    /// <summary>Throws <see cref="OptionException"/> unless <paramref name="value"/> passes the check.</summary>
    public void Validate(T value)
    {
        if (Check?.Invoke(value) is { } problem) throw new OptionException(Name, problem);
    }

    /// <inheritdoc />
    public override void Accept(IParameterVisitor visitor) => visitor.Visit(this);
}
