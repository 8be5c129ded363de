using System.Text.Json;
using Soups.FileSystem;

namespace Soups.Cli.Tests.Commands;

/// <summary>Issue #11 through the command line: recipes, soups of soups, rebake, search with a job array.</summary>
public class ProvenanceCommandTests
{
    private static string[] SweepPaths => Enumerable.Range(0, 6).Select(i => Fixture.Soups($"ft_{i}.pt")).ToArray();

    private static string[] Evaluation(string results) =>
        ["--model", "digits-cnn", "--heldout", Fixture.Soups("heldout.safetensors"), "--results", results];

    private static JsonElement RecipeOf(string soup)
    {
        using var reader = Checkpoints.KnownCheckpointFormats.Open(soup);
        return JsonDocument.Parse(reader.Metadata["soup.recipe"]).RootElement.Clone();
    }

    [Fact]
    public void Rebake_reproduces_the_samples_greedy_soup_bit_for_bit()
    {
        using var temp = new TempFolder();
        var soup = temp.File("greedy.safetensors");
        var baked = CliRun.Run(["greedy", .. Fixture.SampleIngredients(), "--model", "digits-cnn", "--heldout", Fixture.Sample("heldout.safetensors"),
            "-o", soup, "--no-cache"]);
        Assert.True(baked.ExitCode == 0, baked.Error);

        var recipe = RecipeOf(soup);
        Assert.Equal("greedy", recipe.GetProperty("strategy").GetString());
        var ingredients = recipe.GetProperty("ingredients").EnumerateArray().ToList();
        Assert.Equal(Fixture.SampleIngredients().Select(Path.GetFileName), ingredients.Select(i => i.GetProperty("file").GetString()));
        Assert.Equal(Fixture.SampleIngredients().Select(FileHash.Sha256), ingredients.Select(i => i.GetProperty("sha256").GetString()));
        Assert.False(string.IsNullOrEmpty(recipe.GetProperty("held_out").GetProperty("fingerprint").GetString()));

        var before = FileHash.Sha256(soup);
        var rebake = CliRun.Run(["rebake", soup, "--from", Fixture.Sample("ingredients"), "--json"]);
        Assert.True(rebake.ExitCode == 0, rebake.Error);
        using var json = JsonDocument.Parse(rebake.Output);
        Assert.True(json.RootElement.GetProperty("matches").GetBoolean());
        Assert.Equal(before, json.RootElement.GetProperty("actual").GetString());
        Assert.Equal(before, FileHash.Sha256(soup)); // the soup itself untouched
        Assert.Single(Directory.GetFiles(temp.PathName, "*.safetensors")); // nothing written without -o
    }

    [Fact]
    public void A_soup_of_soups_carries_its_tree_and_rebakes_with_the_inner_soups_missing()
    {
        using var temp = new TempFolder();
        var sweep = SmallSample.Ingredients;
        var a = temp.File("a.safetensors");
        var b = temp.File("b.safetensors");
        Assert.Equal(0, CliRun.Run(["uniform", .. sweep.Take(3), "-o", a]).ExitCode);
        Assert.Equal(0, CliRun.Run(["uniform", .. sweep.Skip(3).Take(3), "-o", b, "--weights", "1,2,3"]).ExitCode);
        var top = temp.File("top.safetensors");
        var second = CliRun.Run(["uniform", a, b, "-o", top]);
        Assert.True(second.ExitCode == 0, second.Error);

        // Every file of the tree, with its SHA-256.
        var recipe = RecipeOf(top);
        var inner = recipe.GetProperty("ingredients").EnumerateArray().ToList();
        Assert.Equal([FileHash.Sha256(a), FileHash.Sha256(b)], inner.Select(i => i.GetProperty("sha256").GetString()!));
        var leaves = inner.SelectMany(i => i.GetProperty("recipe").GetProperty("ingredients").EnumerateArray())
            .Select(l => l.GetProperty("sha256").GetString()).ToList();
        Assert.Equal(sweep.Take(6).Select(FileHash.Sha256), leaves);
        Assert.Equal([1.0, 2.0, 3.0], inner[1].GetProperty("recipe").GetProperty("weights").EnumerateArray().Select(w => w.GetDouble()));

        var inspect = CliRun.Run(["inspect", top]);
        Assert.True(inspect.ExitCode == 0, inspect.Error);
        Assert.Contains("recipe: uniform", inspect.Output);
        Assert.Contains("└─ b.safetensors", inspect.Output);
        Assert.Contains(FileHash.Sha256(sweep[5]), inspect.Output);

        // The inner soups are gone: rebake makes them again from their recipes, checks them, and reproduces the top.
        File.Delete(a);
        File.Delete(b);
        var copy = temp.File("again.safetensors");
        var rebake = CliRun.Run(["rebake", top, "--from", Path.GetDirectoryName(sweep[0])!, "-o", copy]);
        Assert.True(rebake.ExitCode == 0, rebake.Error);
        Assert.Contains("reproducible", rebake.Output);
        Assert.Equal(File.ReadAllBytes(top), File.ReadAllBytes(copy));
        Assert.False(File.Exists(a));
    }

    [Fact]
    public void Rebake_refuses_a_changed_ingredient_a_soup_without_a_recipe_and_a_missing_file()
    {
        using var temp = new TempFolder();
        var dir = Directory.CreateDirectory(temp.File("in")).FullName;
        var inputs = SmallSample.Ingredients.Take(2).Select(p =>
        {
            var copy = Path.Combine(dir, Path.GetFileName(p));
            File.Copy(p, copy);
            return copy;
        }).ToArray();
        var soup = temp.File("soup.safetensors");
        Assert.Equal(0, CliRun.Run(["uniform", .. inputs, "-o", soup]).ExitCode);

        File.Copy(SmallSample.Ingredients[2], inputs[1], overwrite: true);
        var changed = CliRun.Run(["rebake", soup, "--from", dir]);
        Assert.Equal(2, changed.ExitCode);
        Assert.Contains("is the one the recipe names (SHA-256", Assert.Single(changed.ErrorLines));

        File.Delete(inputs[1]);
        var missing = CliRun.Run(["rebake", soup, "--from", dir]);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("not found in", Assert.Single(missing.ErrorLines));

        var plain = CliRun.Run(["rebake", SmallSample.Ingredients[0]]);
        Assert.Equal(2, plain.ExitCode);
        Assert.Contains("has no recipe", Assert.Single(plain.ErrorLines));
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public void Rebake_names_a_recipes_held_out_split_properly_when_its_description_is_empty(string? description)
    {
        using var temp = new TempFolder();
        var soup = temp.File("greedy.safetensors");
        var baked = CliRun.Run(["greedy", Fixture.Eval("digits_cnn_a.pt"), Fixture.Eval("digits_cnn_b.pt"), "--model", "digits-cnn",
            "--heldout", Fixture.Eval("heldout.safetensors"), "-o", soup, "--no-cache", "-q"]);
        Assert.True(baked.ExitCode == 0, baked.Error);
        // Without its weights the recipe must be replayed on its split, which it describes with nothing.
        EditRecipe(soup, recipe =>
        {
            recipe.Remove("weights");
            recipe["held_out"] = new System.Text.Json.Nodes.JsonObject { ["fingerprint"] = "0000", ["description"] = description };
        });
        var from = Path.GetDirectoryName(Fixture.Eval("digits_cnn_a.pt"))!;

        var rebake = CliRun.Run(["rebake", soup, "--from", from]);
        Assert.Equal(2, rebake.ExitCode);
        var line = Assert.Single(rebake.ErrorLines);
        Assert.Contains("measured on the held-out split (give --model and --heldout)", line);

        var other = CliRun.Run(["rebake", soup, "--from", from, "--model", "digits-cnn", "--heldout", Fixture.Eval("heldout.safetensors"), "--no-cache"]);
        Assert.Equal(2, other.ExitCode);
        Assert.EndsWith("is not the held-out split the soup was made with", Assert.Single(other.ErrorLines, l => l.StartsWith("error: ", StringComparison.Ordinal)));
    }

    // Rewrites the recipe in a safetensors soup's metadata; tensor offsets are relative to the data, so they still hold.
    private static void EditRecipe(string soup, Action<System.Text.Json.Nodes.JsonObject> edit)
    {
        var bytes = File.ReadAllBytes(soup);
        var length = (int)BitConverter.ToInt64(bytes);
        var header = System.Text.Json.Nodes.JsonNode.Parse(bytes.AsSpan(8, length))!.AsObject();
        var metadata = header["__metadata__"]!.AsObject();
        var recipe = System.Text.Json.Nodes.JsonNode.Parse(metadata["soup.recipe"]!.GetValue<string>())!.AsObject();
        edit(recipe);
        metadata["soup.recipe"] = recipe.ToJsonString();
        var json = header.ToJsonString();
        var text = System.Text.Encoding.UTF8.GetBytes(json.PadRight((json.Length + 7) / 8 * 8));
        File.WriteAllBytes(soup, [.. BitConverter.GetBytes((long)text.Length), .. text, .. bytes.AsSpan(8 + length)]);
    }

    [Fact]
    public void Task_arithmetic_records_the_scale_it_chose_and_rebakes_without_a_held_out_split()
    {
        using var temp = new TempFolder();
        var soup = temp.File("ta.safetensors");
        var baked = CliRun.Run(["task-arithmetic", .. SweepPaths.Take(3), "--base", Fixture.Soups("base.pt"), "--scales", "0.2,0.6,1",
            .. Evaluation(temp.File("r.jsonl")), "-o", soup]);
        Assert.True(baked.ExitCode == 0, baked.Error);
        using var report = JsonDocument.Parse(File.ReadAllText(soup + ".report.json"));
        var chosen = report.RootElement.GetProperty("details").GetProperty("scale").GetDouble();
        Assert.Equal(chosen, double.Parse(RecipeOf(soup).GetProperty("settings").GetProperty("scale").GetString()!,
            System.Globalization.CultureInfo.InvariantCulture));

        var rebake = CliRun.Run(["rebake", soup, "--from", Path.GetDirectoryName(SweepPaths[0])!]);
        Assert.True(rebake.ExitCode == 0, rebake.Error + rebake.Output);
    }

    [Fact]
    public void Search_split_into_a_job_array_gives_the_same_soup_and_the_final_run_only_reads_results()
    {
        using var temp = new TempFolder();
        var whole = temp.File("whole.safetensors");
        var single = CliRun.Run(["search", .. SweepPaths.Take(4), .. Evaluation(temp.File("whole.jsonl")), "-o", whole, "--json"]);
        Assert.True(single.ExitCode == 0, single.Error);

        var shards = new[] { temp.File("s0.jsonl"), temp.File("s1.jsonl"), temp.File("s2.jsonl") };
        var soup = temp.File("sharded.safetensors");
        for (var i = 0; i < 3; i++)
        {
            var part = CliRun.Run(["search", .. SweepPaths.Take(4), .. Evaluation(shards[i]), "-o", soup, "--shard", $"{i}/3"]);
            Assert.True(part.ExitCode == 0, part.Error);
            Assert.Contains($"shard {i}/3", part.Output);
        }
        Assert.False(File.Exists(soup)); // shards write no soup
        var final = CliRun.Run(["search", .. SweepPaths.Take(4), .. Evaluation(temp.File("final.jsonl")),
            .. shards.SelectMany(s => new[] { "--results", s }), "-o", soup, "--json"]);
        Assert.True(final.ExitCode == 0, final.Error);
        using var json = JsonDocument.Parse(final.Output);
        var details = json.RootElement.GetProperty("details");
        Assert.Equal(11, details.GetProperty("evaluated").GetInt32()); // the 15 subsets less the 4 singles
        Assert.Equal(11, details.GetProperty("cached").GetInt32());
        Assert.Equal(File.ReadAllBytes(whole).Length, File.ReadAllBytes(soup).Length);
        using var wholeJson = JsonDocument.Parse(single.Output);
        Assert.Equal(wholeJson.RootElement.GetProperty("output").GetProperty("sha256").GetString(),
            json.RootElement.GetProperty("output").GetProperty("sha256").GetString());
        Assert.True(File.Exists(soup + ".subsets.png"));
    }

    [Fact]
    public void Search_refuses_too_many_subsets_with_an_estimate_and_a_way_out()
    {
        using var temp = new TempFolder();
        var many = Enumerable.Range(0, 17).Select(i =>
        {
            var copy = temp.File($"ft{i}.pt");
            File.Copy(SweepPaths[i % 6], copy);
            return copy;
        }).ToArray();
        var result = CliRun.Run(["search", .. many, .. Evaluation(temp.File("r.jsonl")), "-o", temp.File("s.safetensors")]);
        Assert.Equal(2, result.ExitCode);
        // One error line (after the held-out split's description: the estimate needs the model and the split opened).
        var line = Assert.Single(result.ErrorLines, l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Equal(line, result.ErrorLines[^1]);
        Assert.Contains("131,071 soups", line);
        Assert.Contains("s per evaluation", line);
        Assert.Contains("--beam", line);
        Assert.Contains("--max-size", line);
    }
}
