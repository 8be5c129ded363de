using System.CommandLine;

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
            var value = result.GetValueOrDefault<int>();
            if (value < min || value > max)
                result.AddError($"{option.Name}: must be between {min} and {max}, got {value}");
        });
        return option;
    }

    /// <summary>Requires a non-empty string.</summary>
    public static Option<T> NotEmpty<T>(this Option<T> option) where T : class?
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<T>() is string { Length: 0 }) result.AddError($"{option.Name}: must not be empty");
        });
        return option;
    }

    /// <summary>Requires every value of a repeatable option to have the form <c>LEFT=RIGHT</c>.</summary>
    public static Option<string[]> Pairs(this Option<string[]> option, string form, bool rightMayBeEmpty)
    {
        option.Validators.Add(result =>
        {
            foreach (var text in result.GetValueOrDefault<string[]>() ?? [])
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
            return e.Message;
        }
    });

    /// <summary>Runs <paramref name="check"/> on the value; it returns an error message or null.</summary>
    public static Option<T> Check<T>(this Option<T> option, Func<T, string?> check)
    {
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<T>();
            if (value is not null && check(value) is { } message) result.AddError($"{option.Name}: {message}");
        });
        return option;
    }
}
