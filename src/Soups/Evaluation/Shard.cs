using System.Globalization;

namespace Soups.Evaluation;

/// <summary>
/// One share of a job array's work (issue #3, #11): item p belongs to share <see cref="Index"/> of <see cref="Count"/>
/// when p mod Count = Index. Written <c>i/n</c>, or <c>auto</c> / <c>auto/n</c> to read the array index (and size)
/// from the scheduler: Slurm job arrays and Kubernetes indexed Jobs.
/// </summary>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>All the work (share 0 of 1).</summary>
    public static Shard Whole { get; } = new(0, 1);

    /// <summary>True when this is all the work.</summary>
    public bool IsWhole => Count == 1;

    /// <summary>Whether item <paramref name="position"/> belongs to this share.</summary>
    public bool Takes(long position) => position % Count == Index;

    /// <inheritdoc />
    public override string ToString() => $"{Index}/{Count}";

    /// <summary>
    /// Parses <c>i/n</c> (0 ≤ i &lt; n), <c>auto</c> or <c>auto/n</c>. <c>auto</c> reads Slurm's
    /// <c>SLURM_ARRAY_TASK_ID</c> with <c>SLURM_ARRAY_TASK_COUNT</c> (or <c>_MIN</c>, <c>_MAX</c> and <c>_STEP</c>), or
    /// Kubernetes' <c>JOB_COMPLETION_INDEX</c>, whose count (the Job's <c>completions</c>) is not in the environment and
    /// must be given as <c>auto/n</c>. Null text is the whole work.
    /// </summary>
    public static Shard Parse(string? text, Func<string, string?>? environment = null)
    {
        if (text is null) return Whole;
        environment ??= Environment.GetEnvironmentVariable;
        var parts = text.Split('/');
        if (parts.Length is 1 or 2 && parts[0] == "auto")
        {
            int? given = null;
            if (parts.Length == 2)
            {
                if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0)
                    throw new OptionException("shard", $"expected auto/n with n > 0, got '{text}'");
                given = n;
            }
            return Auto(text, given, environment);
        }
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var i)
                              || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
                              || count <= 0 || i >= count)
            throw new OptionException("shard", $"expected i/n with 0 <= i < n, auto or auto/n, got '{text}'");
        return new Shard(i, count);
    }

    private static Shard Auto(string text, int? given, Func<string, string?> environment)
    {
        // The scheduler's numbers are read as long and combined in long: at the int limits, MAX - MIN overflows an int.
        long? Read(string name)
        {
            var value = environment(name);
            if (string.IsNullOrEmpty(value)) return null;
            return long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
                ? number
                : throw new OptionException("shard", $"{text}: {name}='{value}' is not an integer");
        }

        if (Read("SLURM_ARRAY_TASK_ID") is { } id)
        {
            long index, count;
            var min = Read("SLURM_ARRAY_TASK_MIN");
            var step = Read("SLURM_ARRAY_TASK_STEP") ?? 1;
            if (step <= 0) throw new OptionException("shard", $"{text}: SLURM_ARRAY_TASK_STEP={step}");
            if (min is { } lo && Read("SLURM_ARRAY_TASK_MAX") is { } hi)
            {
                // --array=MIN-MAX[:STEP]: the tasks are MIN, MIN+STEP, ... up to MAX. Slurm's indexes are never negative
                // (and far below int.MaxValue), so bounds outside that are not Slurm's.
                if (lo < 0 || hi < lo || hi > int.MaxValue)
                    throw new OptionException("shard", $"{text}: SLURM_ARRAY_TASK_MIN={lo} and _MAX={hi} are not a Slurm array's bounds");
                if (id < lo || id > hi || (id - lo) % step != 0)
                    throw new OptionException("shard", $"{text}: SLURM_ARRAY_TASK_ID={id} is not in the array {lo}-{hi}:{step}");
                index = (id - lo) / step;
                count = (hi - lo) / step + 1;
                if (Read("SLURM_ARRAY_TASK_COUNT") is { } slurmCount && slurmCount != count)
                    throw new OptionException("shard", $"{text}: the array {lo}-{hi}:{step} has {count} tasks but " +
                                                       $"SLURM_ARRAY_TASK_COUNT={slurmCount} (an array given as a list? use --shard i/n)");
            }
            else if (Read("SLURM_ARRAY_TASK_COUNT") is { } slurmCount)
            {
                (index, count) = (id, slurmCount);
            }
            else
            {
                throw new OptionException("shard", $"{text}: SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor _MIN/_MAX");
            }
            if (given is { } n && n != count)
                throw new OptionException("shard", $"{text}: the Slurm array has {count} tasks, not {n}");
            return Checked(text, index, count);
        }
        if (Read("JOB_COMPLETION_INDEX") is { } completion)
        {
            if (given is not { } n)
                throw new OptionException("shard", $"{text}: a Kubernetes indexed Job gives JOB_COMPLETION_INDEX but not the " +
                                                   "number of indexes; use --shard auto/N with N = the Job's completions");
            return Checked(text, completion, n);
        }
        throw new OptionException("shard", $"{text}: not in a job array (neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set)");
    }

    private static Shard Checked(string text, long index, long count)
    {
        if (count <= 0 || count > int.MaxValue)
            throw new OptionException("shard", $"{text}: an array of {count} tasks is out of range (1 to {int.MaxValue})");
        if (index < 0 || index >= count) throw new OptionException("shard", $"{text}: task {index} of {count} is out of range");
        return new Shard((int)index, (int)count);
    }
}
