using Soups.Evaluation;

namespace Soups.Tests.Evaluation;

public class ShardTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;

    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("3/8", 3, 8)]
    public void Explicit_shares_are_read_as_given(string text, int index, int count) =>
        Assert.Equal(new Shard(index, count), Shard.Parse(text, Env()));

    [Theory]
    [InlineData("8/8")]
    [InlineData("-1/8")]
    [InlineData("1/0")]
    [InlineData("1")]
    [InlineData("a/b")]
    [InlineData("auto/0")]
    public void Malformed_shares_are_refused(string text) =>
        Assert.Contains("expected", Assert.Throws<OptionException>(() => Shard.Parse(text, Env())).Problem);

    [Fact]
    public void Slurm_array_with_a_count()
    {
        var shard = Shard.Parse("auto", Env(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "5")));
        Assert.Equal(new Shard(2, 5), shard);
    }

    [Fact]
    public void Slurm_array_that_starts_at_one_with_a_step()
    {
        // sbatch --array=1-9:2 runs tasks 1, 3, 5, 7, 9: task 5 is share 2 of 5.
        var env = Env(("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_MAX", "9"),
            ("SLURM_ARRAY_TASK_STEP", "2"), ("SLURM_ARRAY_TASK_COUNT", "5"));
        Assert.Equal(new Shard(2, 5), Shard.Parse("auto", env));
        Assert.Equal(new Shard(2, 5), Shard.Parse("auto/5", env));
        Assert.Contains("has 5 tasks, not 4", Assert.Throws<OptionException>(() => Shard.Parse("auto/4", env)).Problem);
    }

    [Fact]
    public void Slurm_array_given_as_a_list_is_refused_rather_than_mis_sharded()
    {
        // --array=1,4,7: MIN 1, MAX 7, COUNT 3 — the tasks are not MIN..MAX, so no index can be derived.
        var env = Env(("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_MAX", "7"),
            ("SLURM_ARRAY_TASK_COUNT", "3"));
        Assert.Contains("use --shard i/n", Assert.Throws<OptionException>(() => Shard.Parse("auto", env)).Problem);
    }

    [Fact]
    public void Kubernetes_indexed_job_needs_the_count()
    {
        var env = Env(("JOB_COMPLETION_INDEX", "3"));
        Assert.Equal(new Shard(3, 4), Shard.Parse("auto/4", env));
        Assert.Contains("--shard auto/N", Assert.Throws<OptionException>(() => Shard.Parse("auto", env)).Problem);
        Assert.Contains("out of range", Assert.Throws<OptionException>(() => Shard.Parse("auto/3", env)).Problem);
    }

    [Fact]
    public void Auto_outside_a_job_array_is_refused() =>
        Assert.Contains("not in a job array", Assert.Throws<OptionException>(() => Shard.Parse("auto", Env())).Problem);

    [Theory]
    [InlineData("-2147483648", "2147483647", "1", "0")]
    [InlineData("-2147483648", "2147483647", "2147483647", "-2147483648")] // overflowed into share 0 of 1
    [InlineData("0", "9999999999", "1", "5")]
    [InlineData("9", "3", "1", "5")]
    public void Slurm_array_bounds_that_are_not_slurms_are_refused_not_wrapped(string min, string max, string step, string id)
    {
        var env = Env(("SLURM_ARRAY_TASK_ID", id), ("SLURM_ARRAY_TASK_MIN", min), ("SLURM_ARRAY_TASK_MAX", max), ("SLURM_ARRAY_TASK_STEP", step));
        Assert.Contains("are not a Slurm array's bounds", Assert.Throws<OptionException>(() => Shard.Parse("auto", env)).Problem);
    }

    [Fact]
    public void Slurm_arrays_at_the_int_limits_are_counted_without_overflow()
    {
        // 0-2147483647:2147483647 runs tasks 0 and 2147483647.
        var wide = Env(("SLURM_ARRAY_TASK_ID", "2147483647"), ("SLURM_ARRAY_TASK_MIN", "0"), ("SLURM_ARRAY_TASK_MAX", "2147483647"),
            ("SLURM_ARRAY_TASK_STEP", "2147483647"));
        Assert.Equal(new Shard(1, 2), Shard.Parse("auto", wide));
        var last = Env(("SLURM_ARRAY_TASK_ID", "2147483646"), ("SLURM_ARRAY_TASK_COUNT", "2147483647"));
        Assert.Equal(new Shard(2147483646, 2147483647), Shard.Parse("auto", last));
    }

    [Theory]
    [InlineData("3", "99999999999", "an array of 99999999999 tasks is out of range")]
    [InlineData("3", "-2147483648", "an array of -2147483648 tasks is out of range")]
    [InlineData("3", "0", "an array of 0 tasks is out of range")]
    [InlineData("2147483648", "5", "task 2147483648 of 5 is out of range")]
    [InlineData("-1", "5", "task -1 of 5 is out of range")]
    public void Slurm_task_ids_and_counts_out_of_range_are_refused(string id, string count, string expected)
    {
        var env = Env(("SLURM_ARRAY_TASK_ID", id), ("SLURM_ARRAY_TASK_COUNT", count));
        Assert.Contains(expected, Assert.Throws<OptionException>(() => Shard.Parse("auto", env)).Problem);
    }

    [Fact]
    public void A_kubernetes_index_past_an_int_is_out_of_range() =>
        Assert.Contains("task 4294967296 of 4 is out of range",
            Assert.Throws<OptionException>(() => Shard.Parse("auto/4", Env(("JOB_COMPLETION_INDEX", "4294967296")))).Problem);

    [Fact]
    public void Every_item_belongs_to_exactly_one_share()
    {
        for (var item = 0; item < 50; item++)
            Assert.Equal(1, Enumerable.Range(0, 7).Count(i => new Shard(i, 7).Takes(item)));
    }
}
