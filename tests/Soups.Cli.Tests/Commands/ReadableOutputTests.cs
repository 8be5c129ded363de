using System.Text.Json;
using System.Text.RegularExpressions;

namespace Soups.Cli.Tests.Commands;

/// <summary>
/// What a person reads: accuracy in one unit (percent, two decimals, as the paper's tables) in every printer while JSON
/// keeps fractions; a soup that is the uniform soup scored and named once; a headline that says how many were kept.
/// </summary>
public partial class ReadableOutputTests
{
    // An accuracy shown as a fraction next to the word that introduces it ("held-out 0.9600", "test 0.9509").
    [GeneratedRegex(@"(held-out|accuracy|test)( accuracy)?:? 0\.\d{4}\b")]
    private static partial Regex FractionAccuracy();

    // A table row of scores: a name, then only numbers, each with two decimals.
    [GeneratedRegex(@"^(best individual|uniform soup|greedy soup|best subset soup)\b.*?((\s+\d{1,3}\.\d\d)+)$")]
    private static partial Regex PercentRow();

    private static string[] Three => SmallSample.Ingredients[..3];

    private static string[] Evaluate(TempFolder temp) =>
        ["--model", "digits-cnn", "--heldout", SmallSample.HeldOut, "--test", "test=" + SmallSample.Test, "--results", temp.File("evals.jsonl")];

    private static void InPercent(CliResult result, int scoreRows)
    {
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.DoesNotMatch(FractionAccuracy(), result.Output + result.Error);
        Assert.Equal(scoreRows, result.Output.Split('\n').Count(l => PercentRow().IsMatch(l.TrimEnd())));
    }

    private static void FractionsIn(string reportJson)
    {
        using var report = JsonDocument.Parse(File.ReadAllText(reportJson));
        Assert.All(report.RootElement.GetProperty("scores").EnumerateArray(),
            s => Assert.InRange(s.GetProperty("held_out").GetProperty("accuracy").GetDouble(), 0, 1));
    }

    [Fact]
    public void Greedy_prints_accuracy_in_percent_in_its_steps_and_table_and_keeps_fractions_in_json()
    {
        using var temp = new TempFolder();
        var output = temp.File("greedy.safetensors");
        var result = CliRun.Run(["greedy", .. SmallSample.Ingredients, .. Evaluate(temp), "-o", output]);
        InPercent(result, scoreRows: 3);
        Assert.Matches(@"step 1: \+ \S+ -> held-out \d{1,3}\.\d\d% (accepted|rejected)", result.Error);
        Assert.Matches(@"(?m)^ +1 +\S+ +\d{1,3}\.\d\d +\d{1,3}\.\d\d +(accepted|rejected)$", result.Output); // the steps table
        FractionsIn(output + ".report.json");
    }

    [Fact]
    public void The_headline_says_how_many_ingredients_greedy_kept_of_those_offered()
    {
        using var temp = new TempFolder();
        var output = temp.File("greedy.safetensors");
        var result = CliRun.Run(["greedy", .. SmallSample.Ingredients, .. Evaluate(temp), "-o", output]);
        Assert.True(result.ExitCode == 0, result.Error);
        using var report = JsonDocument.Parse(File.ReadAllText(output + ".report.json"));
        var kept = report.RootElement.GetProperty("details").GetProperty("soup").GetArrayLength();
        var offered = SmallSample.Ingredients.Length;
        Assert.True(kept < offered, "the sample's greedy soup leaves some out");
        Assert.StartsWith($"greedy soup: {kept} of {offered} ingredients kept -> {output}", result.Output);
        Assert.DoesNotContain("ingredient(s)", result.Output);
    }

    [Fact]
    public void A_uniform_soup_scored_beside_its_baselines_is_scored_once_and_named_once()
    {
        using var temp = new TempFolder();
        var output = temp.File("uniform.safetensors");
        var result = CliRun.Run(["uniform", .. Three, .. Evaluate(temp), "-o", output]);
        InPercent(result, scoreRows: 2);
        Assert.StartsWith($"uniform soup of 3 ingredients -> {output}", result.Output);
        Assert.Single(result.Output.Split('\n'), l => Regex.IsMatch(l, @"^uniform soup\s+\d"));
        Assert.Contains("Scoring the best individual and the uniform soup", result.Error);
        Assert.DoesNotContain("the uniform soup and the uniform soup", result.Error);
        using var report = JsonDocument.Parse(File.ReadAllText(output + ".report.json"));
        var names = report.RootElement.GetProperty("scores").EnumerateArray().Select(s => s.GetProperty("name").GetString()!).ToList();
        Assert.Equal(2, names.Count);
        Assert.StartsWith("best individual (", names[0]);
        Assert.Equal("uniform soup", names[1]);
        FractionsIn(output + ".report.json");
    }

    [Fact]
    public void A_weighted_mean_scored_beside_the_uniform_soup_has_a_name_of_its_own()
    {
        using var temp = new TempFolder();
        var result = CliRun.Run(["uniform", .. Three, .. Evaluate(temp), "--weights", "1,2,3", "-o", temp.File("weighted.safetensors")]);
        InPercent(result, scoreRows: 2); // the best individual and the uniform soup; the weighted mean's row follows
        Assert.Single(result.Output.Split('\n'), l => Regex.IsMatch(l, @"^uniform soup\s+\d"));
        Assert.Single(result.Output.Split('\n'), l => Regex.IsMatch(l, @"^weighted mean soup\s+\d"));
    }

    [Fact]
    public void Compare_search_and_eval_print_accuracy_in_percent_and_report_md_in_one_unit()
    {
        using var temp = new TempFolder();
        var folder = temp.File("cmp");
        var compare = CliRun.Run(["compare", .. Three, .. Evaluate(temp), "--strategies", "uniform,greedy", "--out-dir", folder]);
        InPercent(compare, scoreRows: 0); // a Markdown table on stdout
        var markdown = File.ReadAllText(Path.Combine(folder, "report.md"));
        Assert.DoesNotMatch(@"\b0\.\d{4}\b", markdown);
        Assert.Matches(@"Ingredients' held-out accuracy \(%\): min \d{1,3}\.\d\d, mean \d{1,3}\.\d\d, max \d{1,3}\.\d\d\.", markdown);
        Assert.Matches(@"\| uniform soup \| \d{1,3}\.\d\d \| \d{1,3}\.\d\d \| 1 \|", markdown);

        var output = temp.File("search.safetensors");
        var search = CliRun.Run(["search", .. Three, .. Evaluate(temp), "-o", output]);
        InPercent(search, scoreRows: 3);
        FractionsIn(output + ".report.json");

        var eval = CliRun.Run(["eval", .. Three, "--model", "digits-cnn", "--heldout", SmallSample.HeldOut, "--results", temp.File("evals.jsonl")]);
        Assert.True(eval.ExitCode == 0, eval.Error);
        Assert.DoesNotMatch(FractionAccuracy(), eval.Output + eval.Error);
        // checkpoint, accuracy (%), loss, examples
        Assert.All(eval.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1),
            l => Assert.Matches(@"\.safetensors +\d{1,3}\.\d\d +\d+\.\d{4} +\d+", l));
    }
}
