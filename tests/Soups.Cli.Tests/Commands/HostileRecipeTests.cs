using System.Text;
using System.Text.Json.Nodes;
using Soups.FileSystem;

namespace Soups.Cli.Tests.Commands;

/// <summary>
/// A recipe is data from a file that may come from anyone: rebake writes only into its scratch folder and the asked
/// output, reads only inside the <c>--from</c> folders, and refuses a recipe that does not agree with itself before
/// any work — one line, exit 2, nothing written.
/// </summary>
public class HostileRecipeTests
{
    // A soup of soups: top = uniform(a, c) where a = uniform(in0, in1) lives in `work` and c is a sample fine-tune.
    private sealed class Tree : IDisposable
    {
        private readonly TempFolder _temp = new();

        public Tree()
        {
            Work = Directory.CreateDirectory(_temp.File("work")).FullName;
            Inner = Path.Combine(Work, "a.safetensors");
            Top = _temp.File("top.safetensors");
            Assert.Equal(0, CliRun.Run(["uniform", .. SmallSample.Ingredients.Take(2), "-o", Inner, "-q"]).ExitCode);
            Assert.Equal(0, CliRun.Run(["uniform", Inner, SmallSample.Ingredients[2], "-o", Top, "-q"]).ExitCode);
        }

        public string Work { get; }

        public string Inner { get; }

        public string Top { get; }

        public string File(string name) => _temp.File(name);

        public string[] Rebake(string soup, params string[] extra) =>
            ["rebake", soup, "--from", Work, "--from", Path.GetDirectoryName(SmallSample.Ingredients[0])!, .. extra];

        public void Dispose() => _temp.Dispose();
    }

    /// <summary>Rewrites <paramref name="soup"/>'s recipe with <paramref name="edit"/> into <paramref name="output"/>, tensors unchanged.</summary>
    internal static void Tamper(string soup, string output, Action<JsonObject> edit)
    {
        var bytes = File.ReadAllBytes(soup);
        var length = (int)BitConverter.ToInt64(bytes, 0);
        var header = JsonNode.Parse(bytes.AsSpan(8, length))!.AsObject();
        var metadata = header["__metadata__"]!.AsObject();
        var recipe = JsonNode.Parse(metadata["soup.recipe"]!.GetValue<string>())!.AsObject();
        edit(recipe);
        metadata["soup.recipe"] = recipe.ToJsonString();
        var text = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = new byte[(text.Length + 7) / 8 * 8];
        Array.Fill(padded, (byte)' ');
        text.CopyTo(padded, 0);
        using var stream = File.Create(output);
        stream.Write(BitConverter.GetBytes((long)padded.Length));
        stream.Write(padded);
        stream.Write(bytes.AsSpan(8 + length));
    }

    [Theory]
    [InlineData("../../../victim")]
    [InlineData("../victim")]
    [InlineData("/tmp/victim")]
    [InlineData("sub/victim")]
    [InlineData("..\\victim")]
    [InlineData("..")]
    [InlineData("victim\n")]
    [InlineData("")]
    public void A_nested_soup_named_outside_its_folder_is_refused_before_anything_is_written(string name)
    {
        using var tree = new Tree();
        var victim = tree.File("victim");
        File.WriteAllText(victim, "precious");
        File.Delete(tree.Inner); // missing: rebake would rebuild it from the nested recipe
        var hostile = tree.File("hostile.safetensors");
        Tamper(tree.Top, hostile, recipe => recipe["ingredients"]![0]!["file"] = name);
        var result = CliRun.Run(tree.Rebake(hostile, "-o", tree.File("out.safetensors")));
        CliAssert.OneErrorLine(result, "is not a plain file name");
        Assert.Equal("precious", File.ReadAllText(victim));
        Assert.False(File.Exists(tree.File("out.safetensors")));
        Assert.Empty(Directory.GetFiles(tree.Work, "*.safetensors"));
    }

    public static TheoryData<string, string> Inconsistencies => new()
    {
        { """{"weights":[1,1,1,1,1]}""", "5 weight(s) for 2 ingredient(s)" },
        { """{"weights":[1]}""", "1 weight(s) for 2 ingredient(s)" },
        { """{"weights":[1,-1]}""", "weights must be finite and non-negative" },
        { """{"tensor_weights":{"conv1.weight":[1]}}""", "tensor 'conv1.weight' has 1 weight(s) for 2 ingredient(s)" },
        { """{"ingredients":[null,null]}""", "ingredient 1 is empty" },
        { """{"ingredients":[]}""", "it lists no ingredients" },
        { """{"version":2}""", "version 2 is not one" },
        { """{"settings":{"passes":null}}""", "a setting has no value" },
        { """{"output":{"format":"exe"}}""", "output format 'exe' is not one soup writes" },
        { """{"output":{"d_type":"int8"}}""", "output dtype 'int8' is not a floating-point type" },
        { """{"read":{"strip_prefix":"","map_prefix":["nonsense"]}}""", "a prefix rule is not FROM=TO" },
        { """{"command":"no-such-strategy"}""", "the recipe's strategy 'no-such-strategy' is not one this version of soup knows" },
        { """{"tensor_weights":{"no.such.tensor":[1,1]}}""", "weights for tensor 'no.such.tensor', which its ingredients do not hold" },
    };

    [Theory]
    [MemberData(nameof(Inconsistencies))]
    public void A_recipe_that_does_not_agree_with_itself_is_one_clear_error_before_any_work(string change, string expected)
    {
        using var tree = new Tree();
        var hostile = tree.File("hostile.safetensors");
        var patch = JsonNode.Parse(change)!.AsObject();
        Tamper(tree.Inner, hostile, recipe =>
        {
            foreach (var (key, value) in patch) recipe[key] = value?.DeepClone();
        });
        var result = CliRun.Run(tree.Rebake(hostile, "-o", tree.File("out.safetensors")));
        CliAssert.OneErrorLine(result, expected);
        Assert.False(File.Exists(tree.File("out.safetensors")));
    }

    [Fact]
    public void A_missing_or_wrong_file_in_the_first_from_folder_falls_through_to_the_next()
    {
        using var tree = new Tree();
        var first = Directory.CreateDirectory(tree.File("first")).FullName;
        var name = Path.GetFileName(SmallSample.Ingredients[0]);
        File.CreateSymbolicLink(Path.Combine(first, name), Path.Combine(first, name)); // a link loop
        File.Copy(SmallSample.Ingredients[3], Path.Combine(first, Path.GetFileName(SmallSample.Ingredients[1]))); // other content
        var result = CliRun.Run(["rebake", tree.Inner, "--from", first, "--from", Path.GetDirectoryName(SmallSample.Ingredients[0])!]);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("reproducible", result.Output);
    }

    [Fact]
    public void A_rebuilt_nested_soup_goes_only_into_the_scratch_folder_under_a_name_the_tool_makes()
    {
        using var tree = new Tree();
        File.Delete(tree.Inner);
        var result = CliRun.Run([.. tree.Rebake(tree.Top), "--json"]);
        Assert.True(result.ExitCode == 0, result.Error);
        var rebuilt = System.Text.Json.JsonDocument.Parse(result.Output).RootElement.GetProperty("inputs").EnumerateArray()
            .Single(i => i.GetProperty("rebaked").GetBoolean());
        Assert.Equal("a.safetensors", rebuilt.GetProperty("file").GetString());
        var path = rebuilt.GetProperty("path").GetString()!;
        Assert.Matches("/soup-scratch-[0-9]+-[0-9a-f]{32}/nested-1\\.safetensors$", path);
        Assert.False(File.Exists(path)); // removed with the scratch folder
        Assert.Empty(Directory.GetFiles(tree.Work, "*.safetensors"));
    }
}
