using System.Collections.Immutable;

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

    private sealed class Describer(ParameterValues values) : IParameterVisitor
    {
        public SortedDictionary<string, string> Texts { get; } = new(StringComparer.Ordinal);

        public void Visit<T>(Parameter<T> parameter) => Texts[parameter.Name] = parameter.Format(values.Get(parameter));
    }
}
