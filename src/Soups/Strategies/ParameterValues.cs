using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace Soups.Strategies;

/// <summary>
/// Values for parameters, typed: <see cref="Get{T}"/> of a <see cref="Parameter{T}"/> is a value of its type,
/// its default unless set. Immutable; every value set has passed its parameter's check.
/// </summary>
public sealed class ParameterValues
{
    private readonly ImmutableDictionary<Parameter, object?> _values;

    private ParameterValues(ImmutableDictionary<Parameter, object?> values) => _values = values;

    /// <summary>No value set: every parameter at its default.</summary>
    public static ParameterValues Defaults { get; } = new(ImmutableDictionary<Parameter, object?>.Empty);

    /// <summary>The value of <paramref name="parameter"/>.</summary>
    public T Get<T>(Parameter<T> parameter) => _values.TryGetValue(parameter, out var value) ? (T)value! : parameter.Default;

    /// <summary>These values with <paramref name="parameter"/> set to <paramref name="value"/> (checked).</summary>
    public ParameterValues With<T>(Parameter<T> parameter, T value)
    {
        parameter.Validate(value);
        return new ParameterValues(_values.SetItem(parameter, value));
    }

    /// <summary>The values of <paramref name="parameters"/> as text, by name, for reports and soup metadata.</summary>
    public IReadOnlyDictionary<string, string> Describe(IEnumerable<Parameter> parameters)
    {
        var visitor = new Describer(this);
        foreach (var parameter in parameters) parameter.Accept(visitor);
        return visitor.Texts;
    }

    /// <summary>The values of <paramref name="parameters"/> as typed JSON values, by name, for reports and <c>--json</c>.</summary>
    public IReadOnlyDictionary<string, JsonNode?> ToJson(IEnumerable<Parameter> parameters)
    {
        var visitor = new JsonDescriber(this);
        foreach (var parameter in parameters) parameter.Accept(visitor);
        return visitor.Values;
    }

    /// <summary>
    /// These values with <paramref name="parameter"/> set to the value whose text form is <paramref name="text"/>
    /// (<see cref="Parameter{T}.FromText"/>, then checked): how settings given as text are read.
    /// </summary>
    public ParameterValues WithText(Parameter parameter, string text)
    {
        var reader = new TextReader(this, text);
        parameter.Accept(reader);
        return reader.Values;
    }

    /// <summary>
    /// Values read back from their text forms (<see cref="Describe"/>'s output, e.g. a soup's recorded settings):
    /// each of <paramref name="parameters"/> named in <paramref name="texts"/> is set (and checked); names that no
    /// parameter has are refused.
    /// </summary>
    public static ParameterValues FromTexts(IReadOnlyList<Parameter> parameters, IReadOnlyDictionary<string, string> texts)
    {
        foreach (var name in texts.Keys)
            if (parameters.All(p => p.Name != name)) throw new OptionException(name, "is not a setting of this strategy");
        var values = Defaults;
        foreach (var parameter in parameters)
            if (texts.TryGetValue(parameter.Name, out var text)) values = values.WithText(parameter, text);
        return values;
    }

    private sealed class TextReader(ParameterValues values, string text) : IParameterVisitor
    {
        public ParameterValues Values { get; private set; } = values;

        public void Visit<T>(Parameter<T> parameter) => Values = Values.With(parameter, parameter.FromText(text));
    }

    private sealed class Describer(ParameterValues values) : IParameterVisitor
    {
        public SortedDictionary<string, string> Texts { get; } = new(StringComparer.Ordinal);

        public void Visit<T>(Parameter<T> parameter) => Texts[parameter.Name] = parameter.Format(values.Get(parameter));
    }

    private sealed class JsonDescriber(ParameterValues values) : IParameterVisitor
    {
        public SortedDictionary<string, JsonNode?> Values { get; } = new(StringComparer.Ordinal);

        public void Visit<T>(Parameter<T> parameter) => Values[parameter.Name] = parameter.ToJson(values.Get(parameter));
    }
}
