using System.Globalization;
using System.Text.Json.Nodes;

namespace Soups.Strategies;

/// <summary>
/// One setting a strategy takes: its name (front ends derive their option from it, e.g. <c>--accept</c>), its default,
/// its help text and its check. A strategy lists its parameters; nothing else does (issue #9).
/// </summary>
public abstract class Parameter(string name, string description)
{
    /// <summary>The name, lower case with dashes: <c>accept</c>, <c>lr</c>, <c>learned-batch-size</c>.</summary>
    public string Name { get; } = name;

    /// <summary>One sentence for help.</summary>
    public string Description { get; } = description;

    /// <summary>The allowed values' text forms, when there is a fixed list.</summary>
    public abstract IReadOnlyList<string>? Choices { get; }

    /// <summary>The default, as text.</summary>
    public abstract string DefaultText { get; }

    /// <summary>Calls <see cref="IParameterVisitor.Visit{T}"/> with this parameter's own type.</summary>
    public abstract void Accept(IParameterVisitor visitor);

    /// <summary>An integer within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Parameter<int> Integer(string name, int defaultValue, string description, int min, int max) =>
        new(name, defaultValue, description) { Check = v => v < min || v > max ? $"must be between {min} and {max}, got {v}" : null };

    /// <summary>A finite number of at least <paramref name="min"/>.</summary>
    public static Parameter<double> Number(string name, double defaultValue, string description, double min) =>
        new(name, defaultValue, description)
        {
            Check = v => double.IsFinite(v) && v >= min ? null
                : $"must be a finite number >= {min.ToString(CultureInfo.InvariantCulture)}, got {v.ToString(CultureInfo.InvariantCulture)}",
        };

    /// <summary>One of a fixed list of values, each with its text form.</summary>
    public static Parameter<T> Choice<T>(string name, T defaultValue, string description, params (string Text, T Value)[] choices) =>
        new(name, defaultValue, description)
        {
            ChoiceTexts = choices.Select(c => c.Text).ToList(),
            Parse = text => choices.FirstOrDefault(c => string.Equals(c.Text, text, StringComparison.OrdinalIgnoreCase)) is var match
                            && match.Text != null ? match.Value
                : throw new OptionException(name, $"unknown value '{text}' (choose {string.Join(", ", choices.Select(c => c.Text))})"),
            Format = value => choices.First(c => EqualityComparer<T>.Default.Equals(c.Value, value)).Text,
            Json = value => JsonValue.Create(choices.First(c => EqualityComparer<T>.Default.Equals(c.Value, value)).Text),
        };

    /// <summary>An optional comma-separated list of numbers, checked by <paramref name="check"/>.</summary>
    public static Parameter<IReadOnlyList<double>?> Numbers(string name, string description, Action<IReadOnlyList<double>> check) =>
        new(name, null, description)
        {
            Parse = text =>
            {
                var parts = text.Split(',', StringSplitOptions.TrimEntries);
                var values = new double[parts.Length];
                for (var i = 0; i < parts.Length; i++)
                    if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
                        throw new OptionException(name, $"'{parts[i]}' is not a number");
                check(values);
                return values;
            },
            Format = values => values is null ? "" : string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))),
        };
}

/// <summary>Something that handles parameters of any value type (a front end building its options).</summary>
public interface IParameterVisitor
{
    /// <summary>Handles one parameter.</summary>
    void Visit<T>(Parameter<T> parameter);
}

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
        return value is null ? throw new OptionException(Name, $"'{text}' is not a value of this setting") : (T)value;
    }

    /// <summary>Throws <see cref="OptionException"/> unless <paramref name="value"/> passes the check.</summary>
    public void Validate(T value)
    {
        if (Check?.Invoke(value) is { } problem) throw new OptionException(Name, problem);
    }

    /// <inheritdoc />
    public override void Accept(IParameterVisitor visitor) => visitor.Visit(this);
}
