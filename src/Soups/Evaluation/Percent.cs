using System.Globalization;

namespace Soups.Evaluation;

/// <summary>
/// Accuracy as a person reads it: percent with two decimals (96.00), the unit of the paper's tables. Everything a
/// person reads — tables, step lines, notes, report.md, plots — uses it; JSON keeps the fraction.
/// </summary>
public static class Percent
{
    /// <summary><c>96.00</c> for 0.96, for table cells whose column says what it is; <c>NaN</c> for a broken model.</summary>
    public static string Of(double accuracy) =>
        double.IsNaN(accuracy) ? "NaN" : (100 * accuracy).ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary><c>96.00%</c> for 0.96, for a number inside a sentence.</summary>
    public static string Sign(double accuracy) => double.IsNaN(accuracy) ? "NaN" : Of(accuracy) + "%";
}
