using Soups.Baking;
using Soups.Checkpoints;
using Soups.Checkpoints.Safetensors;
using Soups.Ingredients;
using TorchSharp;

namespace Soups.Tests.Checkpoints;

/// <summary>
/// Safetensors readers refuse a header over 100 MB, and a soup's metadata (its recipe) can pass that: such a file is
/// refused when written, before any tensor is made, and named for what it is when read.
/// </summary>
public class SafetensorsHeaderLimitTests
{
    private static readonly TensorInfo[] Layout =
    [
        new("w", torch.ScalarType.Float32, [2, 2]),
        new("steps", torch.ScalarType.Int64, []),
        new("empty", torch.ScalarType.Float16, [0, 3]),
    ];

    public static TheoryData<string, string> Names => new()
    {
        { "layer.0.weight", "" },
        { "ünïcödé.𝔴", "a \"quoted\" value\nwith <html> & 'marks' + `ticks`" },
        { "tab\there+plus", "\u0001\u001f control characters" },
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void The_header_size_is_counted_exactly_as_written(string name, string value)
    {
        TensorInfo[] layout = [.. Layout, new(name, torch.ScalarType.BFloat16, [123_456_789, 0])];
        var metadata = value.Length == 0 ? new Dictionary<string, string>() : new Dictionary<string, string> { [name] = value };
        using var stream = new MemoryStream();
        new SafetensorsWriter().Write(stream, layout, info => new NativeTensorBytes(info.ByteCount), metadata);
        Assert.Equal(BitConverter.ToInt64(stream.GetBuffer()), SafetensorsWriter.HeaderBytes(layout, metadata));
    }

    [Fact]
    public void A_header_over_the_limit_is_refused_before_any_tensor_is_made_or_byte_written()
    {
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["soup.recipe"] = new string('x', 101_000_000) };
        var writer = new SafetensorsWriter();
        var error = Assert.Throws<OutputException>(() => writer.RequireFits("soup.safetensors", Layout, metadata));
        Assert.Equal(OutputProblem.TooLarge, error.Problem);
        Assert.StartsWith("soup.safetensors: the safetensors header would be 101.0 MB, over the limit of 100 MB that safetensors readers accept",
            error.Message);
        Assert.True(error.Message.Contains("'soup.recipe' (101 MB)", StringComparison.Ordinal), error.Message);

        using var stream = new MemoryStream();
        var made = 0;
        Assert.Throws<OutputException>(() => writer.Write(stream, Layout, info =>
        {
            made++;
            return new NativeTensorBytes(info.ByteCount);
        }, metadata));
        Assert.Equal(0, made);
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void Baking_refuses_a_header_over_the_limit_before_mixing_and_leaves_no_file()
    {
        using var temp = new TempFolder();
        var output = temp.File("soup.safetensors");
        var inputs = Enumerable.Range(0, 2).Select(i => Fixture.PyTorch($"ingredient_{i}.safetensors")).ToArray();
        using var set = IngredientSet.Open(inputs, ReadOptions.Default);
        var merge = new CountingMerge();
        var metadata = new Dictionary<string, string> { ["soup.recipe"] = new string('x', 100_000_000) };
        var error = Assert.Throws<OutputException>(() => new SoupBaker(torch.CPU).Bake(set, merge, new SoupOutput(output), metadata));
        Assert.Equal(OutputProblem.TooLarge, error.Problem);
        Assert.Contains("over the limit of 100 MB", error.Message);
        Assert.Equal(0, merge.Calls);
        Assert.Empty(Directory.GetFileSystemEntries(temp.PathName));
    }

    [Fact]
    public void A_header_of_exactly_the_limit_is_written_and_read_back()
    {
        using var temp = new TempFolder();
        var path = temp.File("full.safetensors");
        var empty = new Dictionary<string, string> { ["soup.recipe"] = "" };
        var room = SafetensorsHeader.MaxBytes - SafetensorsWriter.HeaderBytes(Layout, empty);
        var metadata = new Dictionary<string, string> { ["soup.recipe"] = new string('x', (int)room) };
        Assert.Equal(SafetensorsHeader.MaxBytes, SafetensorsWriter.HeaderBytes(Layout, metadata));
        using (var stream = File.Create(path))
            new SafetensorsWriter().Write(stream, Layout, info => new NativeTensorBytes(info.ByteCount), metadata);
        using var reader = new SafetensorsReader(path, ReadOptions.Default);
        Assert.Equal(Layout.Select(t => t.Name), reader.Tensors.Select(t => t.Name));
        Assert.Equal(room, reader.Metadata["soup.recipe"].Length);
    }

    [Fact]
    public void A_file_whose_header_is_over_the_limit_is_refused_for_its_size_not_as_corrupt()
    {
        using var temp = new TempFolder();
        var path = temp.File("huge.safetensors");
        using (var file = File.Create(path))
        {
            file.Write(BitConverter.GetBytes(120_000_000L));
            file.Write("{\"__metadata__\":{"u8);
            file.SetLength(8 + 120_000_000); // sparse: the header's length is all that is read
        }
        var error = Assert.Throws<CheckpointFormatException>(() => KnownCheckpointFormats.Open(path).Dispose());
        Assert.Contains("header of 120 MB is over the limit of 100 MB", error.Message);
        Assert.DoesNotContain("corrupt", error.Message);

        File.WriteAllBytes(path, [.. BitConverter.GetBytes(120_000_000L), .. "{\"__metadata__\":{"u8]);
        var truncated = Assert.Throws<CheckpointFormatException>(() => KnownCheckpointFormats.Open(path).Dispose());
        Assert.Contains("corrupt or truncated", truncated.Message);
    }

    [Theory]
    [InlineData(100_000_000, "100 MB")]
    [InlineData(100_000_008, "100,000,008 bytes")]
    [InlineData(120_430_000, "120.4 MB")]
    [InlineData(99_990_000, "99,990,000 bytes")]
    [InlineData(95_300_000, "95.3 MB")]
    [InlineData(177, "177 bytes")]
    public void Sizes_near_the_limit_are_never_shown_as_the_limit(long bytes, string text) =>
        Assert.Equal(text, SafetensorsHeader.Megabytes(bytes));

    private sealed class CountingMerge : ITensorMerge
    {
        public int Calls { get; private set; }

        public torch.Tensor Merge(TensorInputs inputs, torch.ScalarType dtype, ICollection<string> warnings)
        {
            Calls++;
            return inputs.Ingredient(0);
        }
    }
}
