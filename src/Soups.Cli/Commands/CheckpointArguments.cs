using System.CommandLine;
using Soups.Strategies;

namespace Soups.Cli.Commands;

/// <summary>
/// The checkpoint arguments as each command names them: a list (<c>&lt;checkpoints&gt;...</c>, required), or one
/// argument per role (interpolate's <c>&lt;A&gt; &lt;B&gt;</c>, rebake's <c>&lt;soup&gt;</c>).
/// </summary>
internal static class CheckpointArguments
{
    private const string Formats = "torch.save .pt/.pth/.bin, .safetensors, *.safetensors.index.json, TorchSharp";

    /// <summary>One or more checkpoints; <paramref name="what"/> says what they are to the command.</summary>
    public static Argument<string[]> List(string what) => new("checkpoints")
    {
        Description = $"{what} ({Formats}). Shell globs work; @FILE reads one path per line.",
        Arity = ArgumentArity.OneOrMore,
    };

    /// <summary>Exactly one checkpoint, named for its role.</summary>
    public static Argument<string> One(string name, string description) => new(name) { Description = description };

    /// <summary>A strategy's ingredients: one argument per role where it names them, else a list.</summary>
    public static Argument[] Of(ISoupStrategy strategy) => strategy.Roles.Count > 0
        ? strategy.Roles.Select(r => (Argument)One(r.Name, r.Description)).ToArray()
        : [List("The ingredients: fine-tuned checkpoints of one pretrained model")];
}
