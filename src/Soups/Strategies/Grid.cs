using System.Globalization;
using System.Text.Json.Nodes;

namespace Soups.Strategies;

/// <summary>
/// Values of a soup parameter to try, written as a list (<c>0,0.25,0.5</c>) or a range <c>START:STOP:STEP</c> that
/// includes STOP (<c>0:1:0.1</c> is 0, 0.1, ..., 1). Range values are START + i·STEP rounded to 12 decimals, so 0.3 is 0.3.
/// </summary>
public sealed record Grid(string Text, IReadOnlyList<double> Values)
{
    /// <summary>Parses <paramref name="text"/>; <paramref name="setting"/> names the parameter in errors.</summary>
    public static Grid Parse(string text, string setting)
    {
        var parts = text.Split(':');
        if (parts.Length == 3)
        {
            var (start, stop, step) = (Number(parts[0], setting), Number(parts[1], setting), Number(parts[2], setting));
            if (step <= 0 || stop < start) throw new OptionException(setting, $"range '{text}' needs STOP >= START and STEP > 0");
            // Counted in double: a range such as 0:1e300:1e-300 has more values than a long holds.
            var count = Math.Floor((stop - start) / step + 1e-9) + 1;
            if (count > 10_000)
            {
                var shown = count < 1e15 ? count.ToString("0", CultureInfo.InvariantCulture) : "over 10^15";
                throw new OptionException(setting, $"range '{text}' has {shown} values; at most 10000");
            }
            return new Grid(text, Enumerable.Range(0, (int)count).Select(i => Math.Round(start + i * step, 12)).ToList());
        }
        if (parts.Length != 1) throw new OptionException(setting, $"expected a list a,b,c or a range START:STOP:STEP, got '{text}'");
        var values = text.Split(',', StringSplitOptions.TrimEntries).Select(v => Number(v, setting)).ToList();
        if (values.Distinct().Count() != values.Count) throw new OptionException(setting, $"'{text}' names a value twice");
        return new Grid(text, values);
    }

    /// <summary>A grid parameter with a default written as text, and a check of its values.</summary>
    public static Parameter<Grid> Parameter(string name, string defaultText, string description, Func<double, bool>? allowed = null,
        string? allowedText = null) =>
        new(name, Parse(defaultText, name), description)
        {
            Parse = text => Parse(text, name),
            Format = grid => grid.Text,
            Json = grid => new JsonArray(grid.Values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
            Check = grid => allowed is null || grid.Values.All(allowed) ? null : allowedText ?? "a value is out of range",
        };

    private static double Number(string text, string setting) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new OptionException(setting, $"'{text}' is not a finite number");
}
