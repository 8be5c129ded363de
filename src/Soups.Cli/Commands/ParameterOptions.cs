using System.CommandLine;
using Soups.Strategies;

namespace Soups.Cli.Commands;

/// <summary>
/// A strategy's command-line options, made from its parameters: <c>--NAME</c>, with the strategy's words for it
/// (<see cref="ISoupStrategy.Describe"/>), its default and its check (as a System.CommandLine validator, so a bad value
/// is a usage error before anything runs). Reading them back gives that strategy's typed <see cref="ParameterValues"/>.
/// A strategy's options are never written by hand.
/// </summary>
internal sealed class ParameterOptions
{
    private readonly List<(Parameter Parameter, Option Option)> _options = [];

    /// <summary>
    /// Options for the parameters of <paramref name="strategy"/>, whose definition has passed
    /// <see cref="StrategyDefinitions"/> (one parameter per name).
    /// </summary>
    public ParameterOptions(ISoupStrategy strategy)
    {
        foreach (var parameter in strategy.Parameters)
        {
            var builder = new Builder(strategy.Describe(parameter));
            parameter.Accept(builder);
            _options.Add((parameter, builder.Option!));
        }
    }

    /// <summary>The options, each with the parameter it is made from.</summary>
    public IReadOnlyList<(Parameter Parameter, Option Option)> Options => _options;

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var (_, option) in _options) command.Options.Add(option);
    }

    /// <summary>The values given (or defaulted) on the command line.</summary>
    public ParameterValues Read(ParseResult parse)
    {
        var reader = new Reader(parse, _options.ToDictionary(o => o.Parameter, o => o.Option));
        foreach (var (parameter, _) in _options) parameter.Accept(reader);
        return reader.Values;
    }

    private sealed class Builder(string description) : IParameterVisitor
    {
        public Option? Option { get; private set; }

        public void Visit<T>(Parameter<T> parameter)
        {
            var name = "--" + parameter.Name;
            if (parameter.Parse is { } parse)
            {
                // Text with its own syntax (a choice, a list): parsed and checked by the parameter itself.
                var text = new Option<string?>(name) { Description = description };
                if (parameter.Default is not null) text.DefaultValueFactory = _ => parameter.DefaultText;
                if (parameter.Choices is { } choices) text.AcceptOnlyFromAmong([.. choices]);
                else text.Check(value =>
                {
                    try
                    {
                        return parameter.Check?.Invoke(parse(value!));
                    }
                    catch (OptionException e)
                    {
                        return e.Problem;
                    }
                });
                Option = text;
                return;
            }
            var typed = new Option<T>(name) { Description = description, DefaultValueFactory = _ => parameter.Default };
            if (parameter.Check is { } check) typed.Check(check);
            Option = typed;
        }
    }

    private sealed class Reader(ParseResult parse, Dictionary<Parameter, Option> options) : IParameterVisitor
    {
        public ParameterValues Values { get; private set; } = ParameterValues.Defaults;

        public void Visit<T>(Parameter<T> parameter)
        {
            var option = options[parameter];
            if (parameter.Parse is { } parseText)
            {
                var text = parse.GetValue((Option<string?>)option);
                if (text != null) Values = Values.With(parameter, parseText(text));
                return;
            }
            Values = Values.With(parameter, parse.GetValue((Option<T>)option)!);
        }
    }
}
