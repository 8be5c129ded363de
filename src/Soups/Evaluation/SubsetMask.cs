namespace Soups.Evaluation;

/// <summary>
/// A 0/1 numpy mask (<c>.npy</c>) over a split's examples in their canonical order, selecting the held-out ones —
/// how the paper defines its ImageNet2p split (<c>imagenet_98_idxs.npy</c> over ImageNet train).
/// </summary>
public sealed class SubsetMask
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
        var bytes = ReadAll(path);
        var header = NpyHeader.Read(path, bytes);
        if (header.Shape.Count != 1)
            throw new InputException(path, $"the mask must be a 1-D array, not of shape ({string.Join(", ", header.Shape)})");
        var count = header.Shape[0];
        var descr = header.Descr;
        var width = descr switch
        {
            "|b1" or "|u1" or "|i1" => 1,
            "<i2" or "<u2" => 2,
            "<i4" or "<u4" or "<f4" => 4,
            "<i8" or "<u8" or "<f8" => 8,
            _ => throw new InputException(path, $"mask dtype {descr} is not bool, little-endian integer or float"),
        };
        var data = bytes.AsSpan(header.DataOffset);
        // Divided, not multiplied: the count is the file's word and count * width may overflow.
        if (count > data.Length / width)
            throw new InputException(path, $"the mask is said to hold {count} values of {width} byte(s) but {data.Length} bytes of data follow its header");
        var selected = new bool[count];
        for (var i = 0; i < selected.Length; i++)
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

    private static byte[] ReadAll(string path)
    {
        FileSystem.InputFiles.RequireReadable(path);
        if (Directory.Exists(path)) throw new InputException(path, "is a folder, not a .npy file");
        try
        {
            // A mask has one small value per example: one that does not fit an array is not a mask.
            if (new FileInfo(path).Length > Array.MaxLength) throw new InputException(path, "too large for a .npy mask");
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(path, $"cannot be read ({e.Message})", e);
        }
    }
}
