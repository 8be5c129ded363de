using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Soups.Cli.Commands;

/// <summary>
/// Validators for options, so that a bad value is a usage error at parse time, before anything is opened or written
/// (issue #8: "open and validate every split and option before the first byte is written").
/// </summary>
internal static class OptionValidation
{
    /// <summary>Requires an integer within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<int> InRange(this Option<int> option, int min, int max)
    {
        option.Validators.Add(result =>
        {
            if (TryGetValue<int>(result, out var value) && (value < min || value > max))
                result.AddError($"{option.Name}: must be between {min} and {max}, got {value}");
        });
        return option;
    }

    /// <summary>Requires a non-empty string.</summary>
    public static Option<T> NotEmpty<T>(this Option<T> option) where T : class?
    {
        option.Validators.Add(result =>
        {
            if (TryGetValue<T>(result, out var value) && value is string { Length: 0 }) result.AddError($"{option.Name}: must not be empty");
        });
        return option;
    }

    /// <summary>Requires every value of a repeatable option to have the form <c>LEFT=RIGHT</c>.</summary>
    public static Option<string[]> Pairs(this Option<string[]> option, string form, bool rightMayBeEmpty)
    {
        option.Validators.Add(result =>
        {
            if (!TryGetValue<string[]>(result, out var texts)) return;
            foreach (var text in texts ?? [])
            {
                var at = text.IndexOf('=');
                if (at <= 0 || (!rightMayBeEmpty && at == text.Length - 1))
                    result.AddError($"{option.Name}: expected {form}, got '{text}'");
            }
        });
        return option;
    }

    /// <summary>Requires that <paramref name="parse"/> accepts the value (it throws a <see cref="SoupException"/> otherwise).</summary>
    public static Option<string?> ParsedBy(this Option<string?> option, Action<string> parse) => option.Check(text =>
    {
        try
        {
            parse(text!);
            return null;
        }
        catch (SoupException e)
        {
            // The option's name comes first in every message (see Check): an engine error naming its setting is worded once.
            return e is OptionException named ? named.Problem : e.Message;
        }
    });

    /// <summary>Runs <paramref name="check"/> on the value; it returns an error message or null.</summary>
    public static Option<T> Check<T>(this Option<T> option, Func<T, string?> check)
    {
        option.Validators.Add(result =>
        {
            if (TryGetValue<T>(result, out var value) && value is not null && check(value) is { } message) result.AddError($"{option.Name}: {message}");
        });
        return option;
    }

    /// <summary>
    /// What is wrong with <paramref name="result"/>'s value when its text does not parse as the option's type
    /// (<c>--threads abc</c>), in this tool's words; null when it parses or no value was given.
    /// </summary>
    public static string? Unparsable(OptionResult result)
    {
        if (result.Tokens.Count == 0 || TryGetValue<object?>(result, out _)) return null;
        var text = string.Join(" ", result.Tokens.Select(t => t.Value));
        return $"{result.Option.Name}: expected {Kind(result.Option.ValueType, text)}, got '{text}'";
    }

    /// <summary>
    /// The value, or false when its text does not parse. System.CommandLine runs validators before it converts; asked
    /// for an unparsable value, it reports the parse error and then throws, which would end the process.
    /// </summary>
    private static bool TryGetValue<T>(OptionResult result, out T value)
    {
        try
        {
            value = result.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }

    private static string Kind(Type type, string text)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsArray) return "values that are each " + Kind(type.GetElementType()!, text);
        if (type.IsEnum) return "one of " + string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()));
        return Type.GetTypeCode(type) switch
        {
            // A whole number that does not parse is out of the type's range: say which range.
            TypeCode.SByte or TypeCode.Byte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32
                or TypeCode.Int64 or TypeCode.UInt64 => System.Numerics.BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
                    ? $"an integer from {type.GetField("MinValue")!.GetValue(null)} to {type.GetField("MaxValue")!.GetValue(null)}"
                    : "an integer",
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
            TypeCode.Boolean => "true or false",
            _ => "a value of type " + type.Name,
        };
    }
}
