using System.Text;
using System.Text.RegularExpressions;

namespace Soups.Cli.Tests;

/// <summary>
/// A small terminal emulator for tests (issue #13): plays text with the ANSI sequences a live display uses (cursor up
/// and down, column, erase line and screen, SGR colours) onto a grid of rows, the way a terminal would, and checks
/// after every newline that the row being left does not mix a progress bar with other text. Given a width, it wraps
/// as a terminal does — a character written past the last column goes to the next row (a row exactly as wide as the
/// terminal followed by a newline does not wrap) — and records each row it had to wrap.
/// </summary>
internal sealed partial class ScreenEmulator(int width = int.MaxValue)
{
    private readonly List<StringBuilder> _rows = [new()];
    private int _row;
    private int _column;

    /// <summary>Rows left (on a newline) holding a progress bar and text of a line that is not the bar's own.</summary>
    public List<string> MixedRows { get; } = [];

    /// <summary>Rows the terminal wrapped: text went on past the last column.</summary>
    public List<string> WrappedRows { get; } = [];

    /// <summary>The screen now: every row, trailing spaces trimmed, trailing empty rows dropped.</summary>
    public IReadOnlyList<string> Rows
    {
        get
        {
            var rows = _rows.Select(r => r.ToString().TrimEnd()).ToList();
            while (rows.Count > 0 && rows[^1].Length == 0) rows.RemoveAt(rows.Count - 1);
            return rows;
        }
    }

    /// <summary>Plays <paramref name="text"/>, which a predicate classifies: <paramref name="isBar"/> rows are the live display's.</summary>
    public ScreenEmulator Play(string text, Func<string, bool> isMixed)
    {
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\u001b')
            {
                var match = Sequence().Match(text, i);
                if (!match.Success) throw new InvalidOperationException($"unknown escape at {i}: {Escape(text.Substring(i, Math.Min(12, text.Length - i)))}");
                Apply(match.Groups["private"].Value, match.Groups["args"].Value, match.Groups["op"].Value[0]);
                i += match.Length;
                continue;
            }
            switch (c)
            {
                case '\n':
                    var left = _rows[_row].ToString();
                    if (isMixed(left)) MixedRows.Add(left);
                    _row++;
                    _column = 0;
                    Ensure();
                    break;
                case '\r':
                    _column = 0;
                    break;
                default:
                    Put(c);
                    break;
            }
            i++;
        }
        return this;
    }

    private void Apply(string privateMode, string args, char op)
    {
        if (privateMode.Length > 0) return; // ?25l / ?25h: cursor visibility
        var numbers = args.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        var n = numbers.Length > 0 ? numbers[0] : 0;
        switch (op)
        {
            case 'm': break; // colours
            case 'A': _row = Math.Max(0, _row - Math.Max(1, n)); break;
            case 'B': _row += Math.Max(1, n); Ensure(); break;
            case 'C': _column += Math.Max(1, n); break;
            case 'D': _column = Math.Max(0, _column - Math.Max(1, n)); break;
            case 'E': _row += Math.Max(1, n); _column = 0; Ensure(); break;
            case 'F': _row = Math.Max(0, _row - Math.Max(1, n)); _column = 0; break;
            case 'G': _column = Math.Max(0, n - 1); break;
            case 'H': _row = Math.Max(0, (numbers.Length > 0 ? numbers[0] : 1) - 1); _column = Math.Max(0, (numbers.Length > 1 ? numbers[1] : 1) - 1); Ensure(); break;
            case 'K':
                var line = _rows[_row];
                if (n == 2) line.Clear();
                else if (n == 0 && _column < line.Length) line.Length = _column;
                else if (n == 1) for (var k = 0; k < Math.Min(_column + 1, line.Length); k++) line[k] = ' ';
                break;
            case 'J':
                if (n == 0) { ClearFrom(_row); }
                else if (n >= 2) { foreach (var r in _rows) r.Clear(); }
                break;
            default: throw new InvalidOperationException($"unhandled CSI {args}{op}");
        }
    }

    private void ClearFrom(int row)
    {
        if (_column < _rows[row].Length) _rows[row].Length = _column;
        for (var r = row + 1; r < _rows.Count; r++) _rows[r].Clear();
    }

    private void Put(char c)
    {
        if (_column >= width)
        {
            WrappedRows.Add(_rows[_row].ToString());
            _row++;
            _column = 0;
            Ensure();
        }
        var line = _rows[_row];
        while (line.Length < _column) line.Append(' ');
        if (_column < line.Length) line[_column] = c;
        else line.Append(c);
        _column++;
    }

    private void Ensure()
    {
        while (_rows.Count <= _row) _rows.Add(new StringBuilder());
    }

    private static string Escape(string text) => text.Replace("\u001b", "ESC");

    [GeneratedRegex(@"\G\u001b\[(?<private>[?]?)(?<args>[0-9;]*)(?<op>[A-Za-z])")]
    private static partial Regex Sequence();
}
