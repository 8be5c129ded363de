using Soups.Checkpoints;

namespace Soups.Tests.Checkpoints;

/// <summary>
/// Issue #8, class 5 (checkpoint readers): damaged or hostile sizes, strides, offsets, keys and records are one clear
/// format error (exit 2), found before anything is allocated, never a libtorch error, an overflow, a hang or weights
/// read from the wrong bytes.
/// </summary>
public class HostileCheckpointTests
{
    public static TheoryData<string, object?, object?[], object?[], object?, long> Pickles => new()
    {
        { "negative size", 0L, [-1L, 4L], [4L, 1L], 16L, 64 },
        { "sizes overflow", 0L, [1L << 40, 1L << 40], [1L << 40, 1L], 16L, 64 },
        { "negative size", 0L, [4L], [-1L], 16L, 64 },
        { "negative size", -8L, [4L], [1L], 16L, 64 },
        { "outside its storage", 13L, [4L], [1L], 16L, 64 },
        { "outside its storage", 0L, [4L, 4L], [8L, 1L], 16L, 64 },
        { "more bytes than the whole file", 0L, [1L << 33], [0L], 1L, 4 },
        { "holds 64 bytes where the pickle says 4000", 0L, [4L], [1L], 1000L, 64 },
        { "not an integer", null, [4L], [1L], 16L, 64 },
        { "not a tuple of integers", 0L, [null, 4L], [4L, 1L], 16L, 64 },
        { "storage size is not an integer", 0L, [4L], [1L], null, 64 },
        { "differ in rank", 0L, [4L, 4L], [1L], 16L, 64 },
    };

    [Theory]
    [MemberData(nameof(Pickles))]
    public void A_pickle_with_impossible_tensor_values_is_a_format_error(string expected, object? offset, object?[] shape,
        object?[] stride, object? numel, long storageBytes)
    {
        using var temp = new TempFolder();
        var path = temp.File("hostile.pt");
        HostileFiles.TorchSave(path, offset, shape, stride, numel, storageBytes);
        var error = Assert.Throws<CheckpointFormatException>(() => ReadEverything(path));
        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), error.Message);
    }

    [Fact]
    public void A_stored_zip_entry_whose_recorded_size_runs_past_its_data_is_refused()
    {
        // Grow the recorded size of the first storage record (in the central directory) by 8 bytes: its data would run
        // into the next record, which the old reader handed out as weights.
        using var temp = new TempFolder();
        var bytes = File.ReadAllBytes(Fixture.PyTorch("ingredient_0.pt"));
        var name = "ingredient_0/data/0"u8.ToArray();
        var at = Find(bytes, [0x50, 0x4b, 0x01, 0x02], name);
        Patch32(bytes, at + 20, 8);
        Patch32(bytes, at + 24, 8);
        var path = temp.File("grown.pt");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<CheckpointFormatException>(() => ReadEverything(path));
        Assert.Contains("corrupt file", error.Message);
    }

    [Fact]
    public void Zip64_sizes_that_overflow_are_refused_before_allocating()
    {
        using var temp = new TempFolder();
        var bytes = new List<byte>();
        // zip64 end-of-directory record claiming an entry count, size and offset near 2^63.
        var record = new byte[56];
        BitConverter.GetBytes(0x06064b50u).CopyTo(record, 0);
        BitConverter.GetBytes(long.MaxValue).CopyTo(record, 32);
        BitConverter.GetBytes(long.MaxValue - 10).CopyTo(record, 40);
        BitConverter.GetBytes(20L).CopyTo(record, 48);
        bytes.AddRange("PK\x03\x04"u8.ToArray());
        bytes.AddRange(new byte[16]);
        var recordAt = bytes.Count;
        bytes.AddRange(record);
        var locator = new byte[20];
        BitConverter.GetBytes(0x07064b50u).CopyTo(locator, 0);
        BitConverter.GetBytes((long)recordAt).CopyTo(locator, 8);
        bytes.AddRange(locator);
        var eocd = new byte[22];
        BitConverter.GetBytes(0x06054b50u).CopyTo(eocd, 0);
        BitConverter.GetBytes((ushort)0xFFFF).CopyTo(eocd, 10);
        BitConverter.GetBytes(0xFFFFFFFFu).CopyTo(eocd, 12);
        BitConverter.GetBytes(0xFFFFFFFFu).CopyTo(eocd, 16);
        bytes.AddRange(eocd);
        var path = temp.File("zip64.pt");
        File.WriteAllBytes(path, [.. bytes]);
        var error = Assert.Throws<CheckpointFormatException>(() => ReadEverything(path));
        Assert.Contains("out of range", error.Message);
    }

    public static TheoryData<string, string, int> Headers => new()
    {
        { "appears twice", """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8 },
        { "negative dimension", """{"a":{"dtype":"F32","shape":[-1,-4],"data_offsets":[0,16]}}""", 16 },
        { "shape overflows", """{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}}""", 16 },
        { "data offsets", """{"a":{"dtype":"F32","shape":[4],"data_offsets":[-16,0]}}""", 16 },
        { "data offsets", """{"a":{"dtype":"F32","shape":[4],"data_offsets":[9223372036854775800,9223372036854775807]}}""", 16 },
        { "overlap", """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", 16 },
        { "holds no tensors", """{"__metadata__":{"format":"pt"}}""", 0 },
        { "invalid safetensors header", """{"a":{"shape":[4],"data_offsets":[0,16]}}""", 16 },
        { "invalid safetensors header", """{"a":{"dtype":"F32","shape":"four","data_offsets":[0,16]}}""", 16 },
        { "invalid safetensors header", """{"a": 5}""", 0 },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void A_safetensors_header_with_impossible_entries_is_a_format_error(string expected, string header, int dataBytes)
    {
        using var temp = new TempFolder();
        var path = temp.File("hostile.safetensors");
        HostileFiles.Safetensors(path, header, dataBytes);
        var error = Assert.Throws<CheckpointFormatException>(() => ReadEverything(path));
        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), error.Message);
    }

    [Fact]
    public void A_torchsharp_file_whose_sizes_wrap_around_is_refused_at_once()
    {
        // 2^62 * 4 elements of 4 bytes wraps to a negative byte count: the old scanner sought backwards and looped.
        using var temp = new TempFolder();
        var path = temp.File("wrap.dat");
        HostileFiles.TorchSharp(path, [1UL << 62, 4], 64);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var error = Assert.Throws<CheckpointFormatException>(() => ReadEverything(path));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Contains("not a checkpoint this tool reads", error.Message);
    }

    [Fact]
    public void Prefix_rules_that_make_two_names_one_are_refused_naming_both()
    {
        using var temp = new TempFolder();
        var path = temp.File("two.safetensors");
        HostileFiles.Safetensors(path, """{"a.w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b.w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8);
        var options = ReadOptions.Default with { PrefixRules = [new PrefixRule("a.", ""), new PrefixRule("b.", "")] };
        var error = Assert.Throws<CheckpointFormatException>(() => KnownCheckpointFormats.Open(path, options).Dispose());
        Assert.Contains("'a.w' and 'b.w' would both be named 'w'", error.Message);
    }

    [Fact]
    public void A_sharded_index_naming_no_tensors_is_refused()
    {
        using var temp = new TempFolder();
        var path = temp.File("model.safetensors.index.json");
        File.WriteAllText(path, """{"metadata":{},"weight_map":{}}""");
        var error = Assert.Throws<CheckpointFormatException>(() => KnownCheckpointFormats.Open(path).Dispose());
        Assert.Contains("names no tensors", error.Message);
    }

    [Fact]
    public void A_fifo_given_as_a_checkpoint_is_refused_without_blocking()
    {
        using var temp = new TempFolder();
        var fifo = temp.File("pipe.pt");
        Assert.Equal(0, Native.mkfifo(fifo, Convert.ToInt32("600", 8)));
        var error = Assert.ThrowsAny<SoupException>(() => KnownCheckpointFormats.Open(fifo).Dispose());
        Assert.Contains("not a regular file", error.Message);
    }

    private static void ReadEverything(string path)
    {
        using var reader = KnownCheckpointFormats.Open(path);
        foreach (var info in reader.Tensors) reader.Read(info.Name).Dispose();
    }

    private static int Find(byte[] bytes, byte[] signature, byte[] name)
    {
        for (var i = 0; i + 46 + name.Length <= bytes.Length; i++)
            if (bytes.AsSpan(i, 4).SequenceEqual(signature) && bytes.AsSpan(i + 46, name.Length).SequenceEqual(name)
                && BitConverter.ToUInt16(bytes, i + 28) == name.Length)
                return i;
        throw new InvalidOperationException("entry not found");
    }

    private static void Patch32(byte[] bytes, int at, uint add) =>
        BitConverter.GetBytes(BitConverter.ToUInt32(bytes, at) + add).CopyTo(bytes, at);

    private static class Native
    {
        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int mkfifo(string path, int mode);
    }
}
