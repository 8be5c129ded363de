using System.Text;
using System.Text.RegularExpressions;

namespace Soups.Evaluation;

/// <summary>
/// A 0/1 numpy mask (<c>.npy</c>) over a split's examples in their canonical order, selecting the held-out ones —
/// how the paper defines its ImageNet2p split (<c>imagenet_98_idxs.npy</c> over ImageNet train).
/// </summary>
public sealed partial class SubsetMask
{
    private SubsetMask(string path, bool[] selected, string fingerprint)
    {
        Path = path;
        Selected = selected;
        Fingerprint = fingerprint;
        SelectedIndices = Enumerable.Range(0, selected.Length).Where(i => selected[i]).ToArray();
    }

    /// <summary>One flag per example.</summary>
    public IReadOnlyList<bool> Selected { get; }

    /// <summary>Indices of the selected examples, ascending.</summary>
    public IReadOnlyList<int> SelectedIndices { get; }

    /// <summary>The mask file.</summary>
    public string Path { get; }

    /// <summary>Content hash of the mask file.</summary>
    public string Fingerprint { get; }

    /// <summary>Reads a 1-D <c>.npy</c> of bool, integer or float 0/1 values.</summary>
    public static SubsetMask Load(string path)
    {
        FileSystem.InputFiles.RequireReadable(path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new InputException(path, "not a .npy file");
        int major = bytes[6];
        var headerLength = major == 1 ? BitConverter.ToUInt16(bytes, 8) : (int)BitConverter.ToUInt32(bytes, 8);
        var headerStart = major == 1 ? 10 : 12;
        var header = Encoding.ASCII.GetString(bytes, headerStart, headerLength);
        var descr = Descr().Match(header).Groups[1].Value;
        var shape = Shape().Match(header);
        if (header.Contains("'fortran_order': True", StringComparison.Ordinal) && shape.Groups[2].Success && shape.Groups[2].Value.Length > 0)
            throw new InputException(path, "Fortran-ordered arrays are not supported");
        if (!shape.Success || shape.Groups[2].Value.Trim().Length > 0)
            throw new InputException(path, "the mask must be a 1-D array");
        var count = long.Parse(shape.Groups[1].Value);
        var data = bytes.AsSpan(headerStart + headerLength);
        var width = descr switch
        {
            "|b1" or "|u1" or "|i1" => 1,
            "<i2" or "<u2" => 2,
            "<i4" or "<u4" => 4,
            "<i8" or "<u8" or "<f8" => 8,
            "<f4" => 4,
            _ => throw new InputException(path, $"mask dtype {descr} is not bool, little-endian integer or float"),
        };
        if (data.Length < count * width) throw new InputException(path, "truncated .npy data");
        var selected = new bool[count];
        for (var i = 0; i < count; i++)
        {
            // The paper's imagenet_98_idxs.npy is a float64 array of 0.0/1.0.
            double value = descr switch
            {
                "<f8" => BitConverter.ToDouble(data.Slice(i * 8, 8)),
                "<f4" => BitConverter.ToSingle(data.Slice(i * 4, 4)),
                _ => width switch
                {
                    1 => data[i],
                    2 => BitConverter.ToInt16(data.Slice(i * 2, 2)),
                    4 => BitConverter.ToInt32(data.Slice(i * 4, 4)),
                    _ => BitConverter.ToInt64(data.Slice(i * 8, 8)),
                },
            };
            if (value is not (0 or 1)) throw new InputException(path, $"mask values must be 0 or 1 (found {value} at {i})");
            selected[i] = value == 1;
        }
        return new SubsetMask(path, selected, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
    }

    /// <summary>Throws unless the mask has one entry per example.</summary>
    public void CheckLength(long examples, string what)
    {
        if (Selected.Count != examples)
            throw new InputException(Path, $"the mask has {Selected.Count} entries but {what} has {examples} examples");
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex Descr();

    [GeneratedRegex(@"'shape':\s*\((\d+),\s*(\d*)")]
    private static partial Regex Shape();
}
