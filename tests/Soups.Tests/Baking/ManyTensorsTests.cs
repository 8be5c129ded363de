using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Soups.Baking;
using Soups.Checkpoints;
using Soups.Ingredients;
using TorchSharp;

namespace Soups.Tests.Baking;

/// <summary>
/// A checkpoint may hold a million tiny tensors, so every per-tensor lookup on the way to the soup goes through an
/// index rather than a scan of the layout. These tests check that such a soup is right, with files laid out
/// differently from one another; how long it takes is measured by benchmarks/many-tensors, not here.
/// </summary>
public class ManyTensorsTests
{
    private const int Count = 60_000;

    [Fact]
    public void A_uniform_soup_of_many_tiny_tensors_is_the_mean_computed_element_by_element()
    {
        using var temp = new TempFolder();
        var values = Enumerable.Range(0, 3).Select(seed => Values(seed)).ToArray();
        // The second file stores its data back to front, the third lists its entries in another order: the soup follows
        // the first file's layout and reads the others by name.
        string[] paths = [temp.File("a.safetensors"), temp.File("b.safetensors"), temp.File("c.safetensors")];
        Write(paths[0], values[0], reverseData: false, shuffleEntries: false);
        Write(paths[1], values[1], reverseData: true, shuffleEntries: false);
        Write(paths[2], values[2], reverseData: false, shuffleEntries: true);
        var output = temp.File("soup.safetensors");

        using (var set = IngredientSet.Open(paths, ReadOptions.Default))
        {
            var baked = new SoupBaker(torch.CPU).Bake(set, WeightedMean.Uniform(3), new SoupOutput(output), new Dictionary<string, string>());
            Assert.Equal(Count, baked.TensorCount);
            Assert.Equal(["non-float tensor 'm.7.steps' differs between ingredients; kept the value of " + paths[0]], baked.Warnings);
        }

        using var soup = KnownCheckpointFormats.Open(output);
        Assert.Equal(Enumerable.Range(0, Count).Select(Name), soup.Tensors.Select(t => t.Name));
        for (var i = 0; i < Count; i++)
        {
            var info = soup.Tensors[i];
            var bytes = new byte[info.ByteCount];
            soup.ReadRaw(info.Name, 0, bytes);
            if (IsStep(i))
            {
                Assert.Equal((long)values[0][i][0], BitConverter.ToInt64(bytes));
                continue;
            }
            // The mean as PyTorch forms it: float64 sum in ingredient order, divided once, rounded to float32.
            var expected = Enumerable.Range(0, values[0][i].Length)
                .Select(e => (float)(((double)values[0][i][e] + values[1][i][e] + values[2][i][e]) / 3)).ToArray();
            Assert.True(expected.AsSpan().SequenceEqual(MemoryMarshal.Cast<byte, float>(bytes)), info.Name);
        }
    }

    // Tensor i: blocks of 8 (like a transformer's), the last of each an int64 step count (as BatchNorm's) that every
    // file agrees on but one.
    private static string Name(int i) => $"m.{i / 8}.{(IsStep(i) ? "steps" : "w" + (i % 8))}";

    private static bool IsStep(int i) => i % 8 == 7;

    private static int[] Shape(int i) => IsStep(i) ? [] : i % 8 < 4 ? [2, 2] : [3];

    // Each tensor's values (a step count's one value is stored as int64).
    private static float[][] Values(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, Count).Select(i => IsStep(i)
            ? [i == 63 && seed == 2 ? 7 : 1000]
            : Enumerable.Range(0, Shape(i).Aggregate(1, (a, b) => a * b)).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();
    }

    // A safetensors file written by hand, independently of the writer under test.
    private static void Write(string path, float[][] values, bool reverseData, bool shuffleEntries)
    {
        var sizes = Enumerable.Range(0, Count).Select(i => values[i].Length * (IsStep(i) ? 8 : 4)).ToArray();
        var dataOrder = Enumerable.Range(0, Count).ToArray();
        if (reverseData) Array.Reverse(dataOrder);
        var offsets = new long[Count];
        long at = 0;
        foreach (var i in dataOrder)
        {
            offsets[i] = at;
            at += sizes[i];
        }
        var listed = Enumerable.Range(0, Count).ToArray();
        if (shuffleEntries) new Random(5).Shuffle(listed);
        var header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        foreach (var i in listed)
            header.Append(CultureInfo.InvariantCulture,
                $",\"{Name(i)}\":{{\"dtype\":\"{(IsStep(i) ? "I64" : "F32")}\",\"shape\":[{string.Join(",", Shape(i))}],\"data_offsets\":[{offsets[i]},{offsets[i] + sizes[i]}]}}");
        header.Append('}');
        var data = new byte[at];
        for (var i = 0; i < Count; i++)
        {
            var target = data.AsSpan((int)offsets[i], sizes[i]);
            if (IsStep(i)) BitConverter.TryWriteBytes(target, (long)values[i][0]);
            else values[i].CopyTo(MemoryMarshal.Cast<byte, float>(target));
        }
        var json = Encoding.UTF8.GetBytes(header.ToString());
        using var file = File.Create(path);
        file.Write(BitConverter.GetBytes((long)json.Length));
        file.Write(json);
        file.Write(data);
    }
}
