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
