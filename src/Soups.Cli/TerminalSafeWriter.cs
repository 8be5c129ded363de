using System.Text;

namespace Soups.Cli;

/// <summary>
/// A writer for what reaches a terminal: control characters from tensor names, file names or messages (an escape
/// sequence hidden in a checkpoint) are shown as <c>\xNN</c> instead of being interpreted (issue #8). Newlines and tabs
/// pass; so do the stand-in paths of arguments that were not valid UTF-8, shown by their original bytes.
/// </summary>
internal sealed class TerminalSafeWriter(TextWriter inner) : TextWriter
{
    /// <summary>The writer underneath (stderr is checked for being a terminal).</summary>
    public TextWriter Inner { get; } = inner;

    public override Encoding Encoding => Inner.Encoding;

    public override void Write(char value) => Inner.Write(Sanitize(value.ToString()));

    public override void Write(string? value)
    {
        if (value != null) Inner.Write(Sanitize(value));
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void WriteLine(string? value)
    {
        Write(value);
        Inner.WriteLine();
    }

    public override void Flush() => Inner.Flush();

    /// <summary>Escapes C0 (but newline and tab), DEL and C1 control characters.</summary>
    public static string Sanitize(string text)
    {
        text = RawArguments.Display(text);
        if (!text.Any(IsControl)) return text;
        var result = new StringBuilder(text.Length + 8);
        foreach (var c in text)
            if (IsControl(c)) result.Append($"\\x{(int)c:x2}");
            else result.Append(c);
        return result.ToString();
    }

    private static bool IsControl(char c) => c is (< ' ' and not '\n' and not '\t') or '\x7f' or (>= '\x80' and <= '\x9f');
}
