namespace Soups.Evaluation;

/// <summary>When greedy soup (and the greedy ensemble) keeps a candidate.</summary>
public enum AcceptRule
{
    /// <summary>Held-out accuracy strictly greater (<c>&gt;</c>): what the paper's code does (the default).</summary>
    Greater,

    /// <summary>Held-out accuracy not lower (<c>&gt;=</c>): what the paper's text says ("does not decrease").</summary>
    GreaterOrEqual,
}
