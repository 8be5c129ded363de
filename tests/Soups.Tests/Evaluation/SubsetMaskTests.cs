using System.Text;
using Soups.Evaluation;

namespace Soups.Tests.Evaluation;

/// <summary>
/// Masks are data: every length, version and size in a <c>.npy</c> header is checked against the file, so a hostile
/// one is an <see cref="InputException"/> naming the file, never an index or overflow error.
/// </summary>
public class SubsetMaskTests
{
    /// <summary>A .npy file with the given version, header text and data; <paramref name="claimedLength"/> overrides the length field.</summary>
    internal static byte[] Npy(string header, byte[] data, byte major = 1, long? claimedLength = null)
    {
        var text = Encoding.ASCII.GetBytes(header);
        var length = claimedLength ?? text.Length;
        byte[] field = major == 1 ? BitConverter.GetBytes((ushort)length) : BitConverter.GetBytes((uint)length);
        return [0x93, .. "NUMPY"u8.ToArray(), major, 0, .. field, .. text, .. data];
    }

    private static string Header(string descr, string shape) => $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}\n";

    private static InputException Refused(byte[] bytes, string expected)
    {
        using var temp = new TempFolder();
        var path = temp.File("mask.npy");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<InputException>(() => SubsetMask.Load(path));
        Assert.Equal(path, error.Path);
        Assert.Contains(expected, error.Problem);
        Assert.DoesNotContain('\n', error.Message);
        return error;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Masks_of_every_npy_version_are_read(byte major)
    {
        using var temp = new TempFolder();
        var path = temp.File("mask.npy");
        File.WriteAllBytes(path, Npy(Header("|b1", "(4,)"), [1, 0, 0, 1], major));
        Assert.Equal([0, 3], SubsetMask.Load(path).SelectedIndices);
    }

    [Fact]
    public void A_header_length_past_the_end_of_the_file_is_refused()
    {
        Refused(Npy(Header("|b1", "(4,)"), [1, 0, 0, 1], claimedLength: ushort.MaxValue), "the .npy header is said to be 65535 bytes long");
        Refused(Npy(Header("|b1", "(4,)"), [1, 0, 0, 1], major: 2, claimedLength: 1L << 31), "the .npy header is said to be 2147483648 bytes long");
        Refused(Npy(Header("|b1", "(4,)"), [1, 0, 0, 1], major: 2, claimedLength: uint.MaxValue), "said to be 4294967295 bytes long");
    }

    [Fact]
    public void A_file_that_ends_inside_its_header_or_is_no_npy_is_refused()
    {
        Refused([0x93, .. "NUMPY"u8.ToArray(), 2, 0, 10, 0], "ends inside its header");
        Refused([0x93, .. "NUMPX"u8.ToArray(), 1, 0, 0, 0], "not a .npy file");
        Refused([0x93, .. "NUMPY"u8.ToArray()], "not a .npy file");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(255)]
    public void An_unknown_major_version_is_refused(byte major) =>
        Refused(Npy(Header("|b1", "(4,)"), [1, 0, 0, 1], major), $".npy format version {major}.0 is not one this reader knows");

    [Theory]
    [InlineData("|i1", "(2305843009213693952,)")] // 2^61 values
    [InlineData("<f8", "(2305843009213693952,)")] // 2^61 · 8 bytes overflows a long
    [InlineData("<i4", "(9223372036854775807,)")]
    [InlineData("|b1", "(5,)")]
    public void A_shape_larger_than_the_data_is_refused(string descr, string shape) =>
        Refused(Npy(Header(descr, shape), [1, 0, 0, 1]), "bytes of data follow its header");

    [Theory]
    [InlineData("(99999999999999999999,)", "'99999999999999999999'")]
    [InlineData("(-1,)", "'-1'")]
    [InlineData("(abc,)", "'abc'")]
    [InlineData("(4,,)", "''")]
    [InlineData("(0x10,)", "'0x10'")]
    public void A_size_that_is_no_size_is_refused(string shape, string part) =>
        Refused(Npy(Header("|b1", shape), [1, 0, 0, 1]), $"holds {part}, which is not a size");

    [Theory]
    [InlineData("(4611686018427387904, 4611686018427387904)")] // a product past a long
    [InlineData("(2, 2)")]
    [InlineData("()")]
    public void A_shape_that_is_not_one_dimensional_is_refused_before_it_is_multiplied(string shape) =>
        Refused(Npy(Header("|b1", shape), [1, 0, 0, 1]), "the mask must be a 1-D array");

    [Fact]
    public void A_header_without_dtype_or_shape_is_refused()
    {
        Refused(Npy("{'fortran_order': False, 'shape': (4,), }\n", [1, 0, 0, 1]), "names no dtype");
        Refused(Npy("{'descr': '|b1', 'shape': 4, }\n", [1, 0, 0, 1]), "has no shape tuple");
        Refused(Npy(Header(">i4", "(1,)"), [0, 0, 0, 1]), "mask dtype >i4 is not");
    }

    [Fact]
    public void Every_truncation_and_byte_flip_of_a_mask_loads_or_is_an_input_error()
    {
        using var temp = new TempFolder();
        var path = temp.File("mask.npy");
        var original = Npy(Header("<i2", "(6,)"), [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0]);
        var cases = Enumerable.Range(0, original.Length).Select(n => original[..n]).ToList();
        foreach (var at in Enumerable.Range(0, original.Length))
        {
            foreach (var value in new byte[] { 0x00, 0x7F, 0xFF, (byte)'9', (byte)'-', (byte)',', (byte)')' })
            {
                var bytes = (byte[])original.Clone();
                bytes[at] = value;
                cases.Add(bytes);
            }
        }
        foreach (var bytes in cases)
        {
            File.WriteAllBytes(path, bytes);
            try
            {
                SubsetMask.Load(path);
            }
            catch (InputException e)
            {
                Assert.Equal(path, e.Path);
            }
        }
    }

    [Fact]
    public void A_folder_given_as_a_mask_is_refused()
    {
        using var temp = new TempFolder();
        var error = Assert.Throws<InputException>(() => SubsetMask.Load(temp.PathName));
        Assert.Contains("is a folder", error.Problem);
    }
}
