using System.CommandLine;
using Soups.Souping;

namespace Soups.Cli.Commands;

/// <summary>Training options of learned soups (<c>soup learned</c>, and the learned rows of <c>soup compare</c>).</summary>
internal sealed class LearnedOptions
{
    public Option<int> Epochs { get; } = new("--epochs") { Description = "Passes over the held-out split.", DefaultValueFactory = _ => 5 };

    public Option<double> LearningRate { get; } = new("--lr") { Description = "AdamW learning rate.", DefaultValueFactory = _ => 0.05 };

    public Option<double> WeightDecay { get; } = new("--weight-decay") { Description = "AdamW weight decay.", DefaultValueFactory = _ => 0 };

    public Option<int> Seed { get; } = new("--seed") { Description = "Seed of the batch shuffling.", DefaultValueFactory = _ => 0 };

    public Option<int> Accumulate { get; } = new("--accumulate")
    {
        Description = "Batches whose gradients are summed per coefficient step: fewer passes over the ingredients for large N.",
        DefaultValueFactory = _ => 1,
    };

    public Option<string> Storage { get; } = new("--ingredients")
    {
        Description = "Where ingredients live while learning: device (fastest), host (RAM), disk (memory flat in N: about 3 models), " +
                      "or auto (host when all fit in a quarter of RAM, else disk).",
        DefaultValueFactory = _ => "auto",
    };

    public LearnedOptions() => Storage.AcceptOnlyFromAmong("auto", "device", "host", "disk");

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Epochs, LearningRate, WeightDecay, Seed, Accumulate, Storage }) command.Options.Add(option);
    }

    public LearnedSoupOptions Resolve(ParseResult parse, LearnedGranularity granularity, int batchSize) => new(
        granularity, parse.GetValue(Epochs), parse.GetValue(LearningRate), parse.GetValue(WeightDecay), batchSize,
        parse.GetValue(Seed), parse.GetValue(Accumulate), Enum.Parse<IngredientStorage>(parse.GetValue(Storage)!, ignoreCase: true));
}
