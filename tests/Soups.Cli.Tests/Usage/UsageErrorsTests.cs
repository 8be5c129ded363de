namespace Soups.Cli.Tests.Usage;

/// <summary>
/// A command line that cannot run gets one line, the most useful first: an unknown word before anything it made look
/// missing, with the known words nearest to it.
/// </summary>
public class UsageErrorsTests
{
    private static readonly string[] Sample =
        ["samples/digits/ingredients/ft-lr1e-3-s1.safetensors", "samples/digits/ingredients/ft-lr1e-3-s2.safetensors"];

    [Fact]
    public void A_mistyped_option_is_named_with_the_option_it_was_probably_meant_as_before_what_it_left_missing()
    {
        var result = CliRun.Run(["greedy", .. Sample, "--model", "digits-cnn", "--heldot", "samples/digits/heldout.safetensors", "-o", "x.safetensors"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: unknown option '--heldot' for greedy; did you mean --heldout?", result.ErrorLines[0]);
        Assert.Equal("Try 'soup greedy --help' for usage.", result.ErrorLines[1]);
    }

    [Fact]
    public void A_mistyped_command_is_named_with_the_command_it_was_probably_meant_as()
    {
        var result = CliRun.Run(["gredy", .. Sample]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: unknown command 'gredy'; did you mean greedy?", result.ErrorLines[0]);
    }

    [Theory]
    [InlineData("--modle", "--model")]         // two letters swapped
    [InlineData("--HeldOut", "--heldout")]     // case
    [InlineData("--out", "--output")]          // cut short
    [InlineData("--weigth", "--weights")]
    [InlineData("--heldot=x", "--heldout")]    // a value joined with '='
    public void Swapped_letters_other_case_and_words_cut_short_are_recognised(string typed, string meant)
    {
        var result = CliRun.Run(["uniform", .. Sample, typed, "x", "-o", "x.safetensors"]);
        Assert.Equal(2, result.ExitCode);
        Assert.EndsWith($"did you mean {meant}?", result.ErrorLines[0]);
    }

    [Fact]
    public void An_option_of_another_command_says_which_commands_have_it()
    {
        var result = CliRun.Run(["uniform", .. Sample, "--beam", "3", "-o", "x.safetensors"]);
        Assert.Equal("error: unknown option '--beam' for uniform (search has it)", result.ErrorLines[0]);
    }

    [Fact]
    public void A_word_far_from_every_option_gets_no_guess()
    {
        var result = CliRun.Run(["uniform", .. Sample, "--frobnicate", "-o", "x.safetensors"]);
        Assert.Equal("error: unknown option '--frobnicate' for uniform", result.ErrorLines[0]);
        var command = CliRun.Run(["frobnicate"]);
        Assert.StartsWith("error: unknown command 'frobnicate' (commands: uniform, greedy, ", command.ErrorLines[0]);
    }

    [Fact]
    public void A_wrong_value_comes_before_missing_checkpoints_and_missing_options()
    {
        var result = CliRun.Run(["greedy", "--passes", "0"]);
        Assert.Equal("error: --passes: must be between 1 and 1000, got 0", result.ErrorLines[0]);
        Assert.Equal("error: no checkpoints given", CliRun.Run(["greedy"]).ErrorLines[0]);
        Assert.Equal("error: --output, --model and --heldout are required", CliRun.Run(["greedy", .. Sample]).ErrorLines[0]);
        Assert.Equal("error: --output is required", CliRun.Run(["uniform", .. Sample]).ErrorLines[0]);
    }

    [Fact]
    public void Commands_that_take_named_checkpoints_say_how_many_they_take()
    {
        var one = CliRun.Run(["interpolate", Sample[0], "--model", "digits-cnn", "--heldout", "h", "-o", "x.safetensors"]);
        Assert.Equal("error: interpolate takes exactly 2 checkpoints, <A> <B>; 1 given", one.ErrorLines[0]);
        var two = CliRun.Run(["rebake", .. Sample]);
        Assert.Equal("error: rebake takes one checkpoint, <soup>; 2 given", two.ErrorLines[0]);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("257")]
    public void Threads_are_1_to_256_as_help_says(string threads)
    {
        var result = CliRun.Run(["uniform", .. Sample, "--threads", threads, "-o", "x.safetensors"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"error: --threads: must be between 1 and 256, got {threads}", result.ErrorLines[0]);
        Assert.Contains("1 to 256", CliRun.Run(["uniform", "--help"]).Output);
    }

    [Fact]
    public void A_value_outside_a_fixed_list_is_one_line_with_the_choices()
    {
        var result = CliRun.Run(["learned", .. Sample, "--model", "digits-cnn", "--heldout", "h", "-o", "x.safetensors", "--granularity", "layers"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: --granularity: unknown value 'layers' (choose layer or model); did you mean layer?", result.ErrorLines[0]);
        Assert.Equal(2, result.ErrorLines.Length);
    }
}
