using System.CommandLine;
using Soups.Souping;

namespace Soups.Cli.Commands;

/// <summary>Training options of learned soups (<c>soup learned</c>, and the learned rows of <c>soup compare</c>).</summary>
internal sealed class LearnedOptions
{
    public Option<int> Epochs { get; } = new Option<int>("--epochs") { Description = "Passes over the held-out split.", DefaultValueFactory = _ => 5 }
        .InRange(0, 1_000_000);

    public Option<double> LearningRate { get; } = new Option<double>("--lr") { Description = "AdamW learning rate.", DefaultValueFactory = _ => 0.05 }
        .FiniteAtLeast(0);

    public Option<double> WeightDecay { get; } = new Option<double>("--weight-decay") { Description = "AdamW weight decay.", DefaultValueFactory = _ => 0 }
        .FiniteAtLeast(0);

    public Option<int> Seed { get; } = new Option<int>("--seed") { Description = "Seed of the batch shuffling.", DefaultValueFactory = _ => 0 }
        .InRange(0, int.MaxValue);

    public Option<int> Accumulate { get; } = new Option<int>("--accumulate")
    {
        Description = "Batches whose gradients are summed per coefficient step: fewer passes over the ingredients for large N.",
        DefaultValueFactory = _ => 1,
    }.InRange(1, 1 << 20);

    public Option<string> Storage { get; } = new("--ingredients")
    {
        Description = "Where ingredients live while learning: device (fastest), host (RAM), disk (memory flat in N: about 3 models), " +
                      "or auto (host when all fit in a quarter of RAM, else disk).",
        DefaultValueFactory = _ => "auto",
    };

    /// <summary>
    /// The training batch size, where it is an option of its own (<c>compare</c>, whose <c>--batch-size</c> is for
    /// evaluation); null where <c>--batch-size</c> serves both.
    /// </summary>
    public Option<int>? BatchSize { get; }

    public LearnedOptions(bool ownBatchSize = false)
    {
        Storage.AcceptOnlyFromAmong("auto", "device", "host", "disk");
        if (ownBatchSize)
            BatchSize = new Option<int>("--learned-batch-size")
            {
                Description = "Examples per training batch of the learned soups (256, as the paper's learned_bylayer.py).",
                DefaultValueFactory = _ => 256,
            }.InRange(1, 1 << 20);
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Epochs, LearningRate, WeightDecay, Seed, Accumulate, Storage }) command.Options.Add(option);
        if (BatchSize != null) command.Options.Add(BatchSize);
    }

    public LearnedSoupOptions Resolve(ParseResult parse, LearnedGranularity granularity, int batchSize) => new(
        granularity, parse.GetValue(Epochs), parse.GetValue(LearningRate), parse.GetValue(WeightDecay),
        BatchSize is null ? batchSize : parse.GetValue(BatchSize),
        parse.GetValue(Seed), parse.GetValue(Accumulate), Enum.Parse<IngredientStorage>(parse.GetValue(Storage)!, ignoreCase: true));
}
