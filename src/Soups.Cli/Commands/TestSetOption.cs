using System.CommandLine;

namespace Soups.Cli.Commands;

/// <summary><c>--test NAME=DATA</c>: extra splits to report accuracy on (never used to choose anything).</summary>
internal sealed class TestSetOption
{
    public Option<string[]> Option { get; } = new Option<string[]>("--test")
    {
        Description = "A test split to report, NAME=PATH (tensor file or image folder); repeatable. Never used for choices.",
    }.Check(specs => specs.Any(s => s.Length == 0 || s.EndsWith('=')) ? "expected NAME=PATH" : null);

    public IReadOnlyList<(string Name, string Path)> Parse(ParseResult parse)
    {
        var result = new List<(string, string)>();
        foreach (var text in parse.GetValue(Option) ?? [])
        {
            var at = text.IndexOf('=');
            var (name, path) = at > 0 ? (text[..at], text[(at + 1)..]) : (System.IO.Path.GetFileNameWithoutExtension(text), text);
            if (result.Any(r => r.Item1 == name)) throw new SoupException($"--test: name '{name}' given twice");
            if (!File.Exists(path) && !Directory.Exists(path)) throw new SoupException($"--test {name}: {path}: no such file or folder");
            result.Add((name, path));
        }
        return result;
    }
}
