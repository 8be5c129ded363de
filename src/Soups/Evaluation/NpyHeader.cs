using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Soups.Evaluation;

/// <summary>
/// The header of a <c>.npy</c> file (numpy's NEP 1): magic, version, header length, then a Python dict literal with the
/// dtype and the shape. Every number in it comes from the file, so each is checked against the file before it is used:
/// a header length past the end or a size that is no size is an <see cref="InputException"/>, never an index error.
/// </summary>
/// <param name="Descr">The dtype, e.g. <c>&lt;f8</c>.</param>
/// <param name="Shape">The size of each dimension (none for a scalar).</param>
/// <param name="DataOffset">Where the data starts, within the file.</param>
internal sealed partial record NpyHeader(string Descr, IReadOnlyList<long> Shape, int DataOffset)
{
    /// <summary>Reads the header of <paramref name="file"/>, the whole content of <paramref name="path"/>.</summary>
    public static NpyHeader Read(string path, ReadOnlySpan<byte> file)
    {
        if (file.Length < 10 || file[0] != 0x93 || !file.Slice(1, 5).SequenceEqual("NUMPY"u8))
            throw new InputException(path, "not a .npy file");
        var (major, minor) = (file[6], file[7]);
        // Version 1 stores the header length in 2 bytes; 2 and 3 (a UTF-8 header) in 4.
        var start = major switch
        {
            1 => 10,
            2 or 3 => 12,
            _ => throw new InputException(path, $".npy format version {major}.{minor} is not one this reader knows (1, 2 or 3)"),
        };
        if (file.Length < start) throw new InputException(path, "the .npy file ends inside its header");
        long length = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(file[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(file[8..]);
        if (length > file.Length - start)
            throw new InputException(path, $"the .npy header is said to be {length} bytes long but the file has {file.Length - start} after it starts");
        var header = Encoding.UTF8.GetString(file.Slice(start, (int)length));
        var descr = DescrEntry().Match(header);
        if (!descr.Success) throw new InputException(path, "the .npy header names no dtype ('descr')");
        var shape = ShapeTuple().Match(header);
        if (!shape.Success) throw new InputException(path, "the .npy header has no shape tuple");
        return new NpyHeader(descr.Groups[1].Value, Sizes(path, shape.Groups[1].Value), start + (int)length);
    }

    private static List<long> Sizes(string path, string tuple)
    {
        var parts = tuple.Split(',', StringSplitOptions.TrimEntries);
        // "(5,)" is a 1-tuple and "()" the empty one: a single trailing comma leaves one empty part.
        if (parts[^1].Length == 0) parts = parts[..^1];
        var sizes = new List<long>(parts.Length);
        foreach (var part in parts)
        {
            if (!long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
                throw new InputException(path, $"the .npy shape ({tuple}) holds '{part}', which is not a size from 0 to {long.MaxValue}");
            sizes.Add(size);
        }
        return sizes;
    }

    [GeneratedRegex(@"'descr':\s*'([^']*)'")]
    private static partial Regex DescrEntry();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapeTuple();
}
