using System.CommandLine;
using Soups.Souping;

namespace Soups.Cli.Commands;

/// <summary><c>--accept gt|ge</c>: greedy's acceptance rule (greedy soup and greedy ensemble).</summary>
internal sealed class AcceptOption
{
    public Option<string> Option { get; } = new("--accept")
    {
        Description = "gt: keep an ingredient only if held-out accuracy strictly increases (the paper's code; default). " +
                      "ge: keep it if accuracy does not decrease (the paper's text).",
        DefaultValueFactory = _ => "gt",
    };

    public AcceptOption() => Option.AcceptOnlyFromAmong("gt", "ge");

    public AcceptRule Resolve(ParseResult parse) => parse.GetValue(Option) == "ge" ? AcceptRule.GreaterOrEqual : AcceptRule.Greater;
}
