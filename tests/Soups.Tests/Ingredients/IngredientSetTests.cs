using Soups.Checkpoints;
using Soups.Ingredients;

namespace Soups.Tests.Ingredients;

public class IngredientSetTests
{
    [Fact]
    public void Files_are_opened_side_by_side_but_a_failure_names_the_first_bad_file_given()
    {
        using var temp = new TempFolder();
        var cut = temp.File("cut.safetensors");
        var bytes = File.ReadAllBytes(Fixture.PyTorch("ingredient_1.safetensors"));
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        var garbage = temp.File("garbage.safetensors");
        File.WriteAllText(garbage, "not a checkpoint at all");
        for (var run = 0; run < 5; run++)
        {
            var error = Assert.Throws<CheckpointFormatException>(() =>
                IngredientSet.Open([Fixture.PyTorch("ingredient_0.safetensors"), cut, garbage], ReadOptions.Default).Dispose());
            Assert.StartsWith(cut, error.Message);
        }
    }

    [Fact]
    public void The_base_is_opened_with_the_ingredients_and_the_layout_is_found_by_name()
    {
        using var set = IngredientSet.Open([Fixture.PyTorch("ingredient_0.safetensors"), Fixture.PyTorch("ingredient_1.safetensors")],
            ReadOptions.Default, Fixture.PyTorch("ingredient_2.safetensors"));
        Assert.Equal(2, set.Count);
        Assert.Equal(Fixture.PyTorch("ingredient_2.safetensors"), set.Base!.Path);
        foreach (var info in set.Layout) Assert.Same(info, set.LayoutOf(info.Name));
        Assert.Throws<KeyNotFoundException>(() => set.LayoutOf("no.such.tensor"));
    }
}
