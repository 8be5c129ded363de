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

    [Fact]
    public void Every_item_belongs_to_exactly_one_share()
    {
        for (var item = 0; item < 50; item++)
            Assert.Equal(1, Enumerable.Range(0, 7).Count(i => new Shard(i, 7).Takes(item)));
    }
}
