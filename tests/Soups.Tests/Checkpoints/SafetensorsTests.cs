using System.Text.Json;
using Soups.Checkpoints;
using TorchSharp;

namespace Soups.Tests.Checkpoints;

public class SafetensorsTests
{
    [Fact]
    public void Reads_a_sharded_checkpoint_through_its_index_as_one_state_dict()
    {
        var sharded = Fixture.ReadAll(Fixture.PyTorch("sharded/model.safetensors.index.json"));
        var single = Fixture.ReadAll(Fixture.PyTorch("ingredient_0.pt"));
        Assert.Equal(single.Keys.Order(), sharded.Keys.Order());
        foreach (var (name, tensor) in single) Assert.True(Fixture.Equal(tensor, sharded[name]), name);
    }

    [Fact]
    public void A_folder_holding_one_index_opens_as_that_sharded_checkpoint()
    {
        using var reader = KnownCheckpointFormats.Open(Fixture.PyTorch("sharded"));
        Assert.Equal("safetensors-sharded", reader.Format);
        Assert.Equal(11, reader.Tensors.Count);
    }

    [Fact]
    public void Written_files_have_an_aligned_header_with_metadata_and_read_back_equal()
    {
        using var temp = new TempFolder();
        var path = temp.File("out.safetensors");
        var tensors = Fixture.ReadAll(Fixture.PyTorch("dtypes.pt"));
        using (var source = KnownCheckpointFormats.Open(Fixture.PyTorch("dtypes.pt")))
        using (var stream = File.Create(path))
        {
            KnownCheckpointFormats.Safetensors.Writer!.Write(stream, source.Tensors, info => source.Read(info.Name),
                new Dictionary<string, string> { ["format"] = "pt", ["soup.strategy"] = "uniform" });
        }
        var bytes = File.ReadAllBytes(path);
        var headerLength = BitConverter.ToInt64(bytes, 0);
        Assert.Equal(0, (8 + headerLength) % 8);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        Assert.Equal("pt", header.RootElement.GetProperty("__metadata__").GetProperty("format").GetString());
        Assert.Equal("uniform", header.RootElement.GetProperty("__metadata__").GetProperty("soup.strategy").GetString());

        var back = Fixture.ReadAll(path);
        foreach (var (name, tensor) in tensors) Assert.True(Fixture.Equal(tensor, back[name]), name);
    }

    [Fact]
    public void A_header_whose_offsets_disagree_with_the_shape_is_rejected()
    {
        using var temp = new TempFolder();
        var header = """{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}"""u8.ToArray();
        var path = temp.File("bad.safetensors");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((long)header.Length), .. header, .. new byte[16]]);
        var error = Assert.Throws<CheckpointFormatException>(() => KnownCheckpointFormats.Open(path));
        Assert.Contains("'w'", error.Message);
    }

    [Fact]
    public void A_header_of_640_bytes_is_not_mistaken_for_a_legacy_pickle()
    {
        // 640 = 0x280: the file starts 80 02, like a pickle's PROTO 2.
        using var temp = new TempFolder();
        var json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        var header = System.Text.Encoding.ASCII.GetBytes(json.PadRight(640));
        var path = temp.File("w.safetensors");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((long)header.Length), .. header, .. BitConverter.GetBytes(1.5f), .. BitConverter.GetBytes(2.5f)]);
        using var reader = KnownCheckpointFormats.Open(path);
        using var w = reader.Read("w");
        Assert.Equal([1.5f, 2.5f], w.data<float>().ToArray());
    }

    [Fact]
    public void A_truncated_file_is_rejected_when_opened()
    {
        using var temp = new TempFolder();
        var bytes = File.ReadAllBytes(Fixture.PyTorch("ingredient_0.safetensors"));
        var path = temp.File("cut.safetensors");
        File.WriteAllBytes(path, bytes[..(bytes.Length - 10)]);
        Assert.Throws<CheckpointFormatException>(() => KnownCheckpointFormats.Open(path));
    }
}
