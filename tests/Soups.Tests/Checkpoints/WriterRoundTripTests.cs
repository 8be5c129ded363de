using Soups.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Soups.Tests.Checkpoints;

public class WriterRoundTripTests
{
    [Theory]
    [InlineData("safetensors", "out.safetensors")]
    [InlineData("pt", "out.pt")]
    [InlineData("torchsharp", "out.dat")]
    public void Every_writable_format_reads_back_bit_for_bit(string format, string file)
    {
        using var temp = new TempFolder();
        var path = temp.File(file);
        Assert.Equal(format, KnownCheckpointFormats.ForOutput(path, null).Name);
        using (var source = KnownCheckpointFormats.Open(Fixture.PyTorch("dtypes.pt")))
        using (var stream = File.Create(path))
        {
            KnownCheckpointFormats.ForOutput(path, null).Writer!.Write(stream, source.Tensors, info => source.Read(info.Name),
                new Dictionary<string, string>());
        }
        using var reader = KnownCheckpointFormats.Open(path);
        Assert.Equal(format, reader.Format);
        var expected = Fixture.ReadAll(Fixture.PyTorch("dtypes.pt"));
        Assert.Equal(expected.Keys, reader.Tensors.Select(t => t.Name));
        foreach (var (name, tensor) in expected)
        {
            using var actual = reader.Read(name);
            Assert.True(Fixture.Equal(tensor, actual), name);
        }
    }

    [Fact]
    public void A_safetensors_header_written_last_gives_the_same_file_as_one_written_first()
    {
        // Issue #12: the recipe's input hashes are computed while the tensors are made, so its header is written last
        // into room sized with placeholder hashes of the same length.
        using var temp = new TempFolder();
        var first = temp.File("first.safetensors");
        var last = temp.File("last.safetensors");
        var final = new Dictionary<string, string> { ["format"] = "pt", ["soup.recipe"] = "{\"sha256\":\"" + new string('a', 64) + "\"}" };
        var placeholder = new Dictionary<string, string> { ["format"] = "pt", ["soup.recipe"] = "{\"sha256\":\"" + new string('0', 64) + "\"}" };
        using (var source = KnownCheckpointFormats.Open(Fixture.PyTorch("dtypes.pt")))
        {
            using (var stream = File.Create(first))
                KnownCheckpointFormats.Safetensors.Writer!.Write(stream, source.Tensors, info => source.Read(info.Name), final);
            using (var stream = File.Create(last))
                KnownCheckpointFormats.Safetensors.Writer!.Write(stream, source.Tensors, info => TensorBytes.Of(source.Read(info.Name)),
                    placeholder, () => final);
            using var wrong = new MemoryStream();
            var tooLong = new Dictionary<string, string>(final) { ["soup.recipe"] = final["soup.recipe"] + new string('x', 16) };
            Assert.Throws<InvalidOperationException>(() => KnownCheckpointFormats.Safetensors.Writer!.Write(wrong, source.Tensors,
                info => TensorBytes.Of(source.Read(info.Name)), placeholder, () => tooLong));
        }
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(last));
        using var reader = KnownCheckpointFormats.Open(last);
        Assert.Equal(final["soup.recipe"], reader.Metadata["soup.recipe"]);
    }

    [Fact]
    public void Pt_output_uses_64_byte_aligned_stored_records_like_torch_save()
    {
        using var temp = new TempFolder();
        var path = temp.File("soup.pt");
        using (var source = KnownCheckpointFormats.Open(Fixture.PyTorch("ingredient_0.pt")))
        using (var stream = File.Create(path))
            KnownCheckpointFormats.TorchZip.Writer!.Write(stream, source.Tensors, i => source.Read(i.Name), new Dictionary<string, string>());
        using var zip = System.IO.Compression.ZipFile.OpenRead(path);
        Assert.Contains(zip.Entries, e => e.FullName == "archive/data.pkl");
        Assert.Contains(zip.Entries, e => e.FullName == "archive/version");
        Assert.Equal(11, zip.Entries.Count(e => e.FullName.StartsWith("archive/data/", StringComparison.Ordinal)));
        foreach (var entry in zip.Entries)
        {
            using var s = entry.Open(); // validates the CRC as System.IO.Compression reads to the end
            s.CopyTo(Stream.Null);
            Assert.Equal(entry.Length, entry.CompressedLength); // stored, not deflated
        }
    }

    [Fact]
    public void TorchSharp_module_save_files_are_read_and_our_files_load_into_a_TorchSharp_module()
    {
        using var temp = new TempFolder();
        torch.manual_seed(7);
        using var module = nn.Sequential(("fc", nn.Linear(5, 3)), ("norm", nn.BatchNorm1d(3)));
        var saved = temp.File("module.dat");
        module.save(saved);

        var read = Fixture.ReadAll(saved);
        var state = module.state_dict();
        Assert.Equal(state.Keys.Order(), read.Keys.Order());
        foreach (var (name, tensor) in state) Assert.True(Fixture.Equal(tensor.detach(), read[name]), name);

        var ours = temp.File("ours.dat");
        using (var source = KnownCheckpointFormats.Open(saved))
        using (var stream = File.Create(ours))
            KnownCheckpointFormats.TorchSharp.Writer!.Write(stream, source.Tensors,
                i => source.Read(i.Name).mul(i.IsFloatingPoint ? 2 : 1), new Dictionary<string, string>());
        using var other = nn.Sequential(("fc", nn.Linear(5, 3)), ("norm", nn.BatchNorm1d(3)));
        other.load(ours);
        using var doubled = state["fc.weight"].detach() * 2;
        Assert.True(Fixture.Equal(doubled, other.state_dict()["fc.weight"].detach()));
    }
}
