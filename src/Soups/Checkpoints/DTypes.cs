using TorchSharp;
using ScalarType = TorchSharp.torch.ScalarType;

namespace Soups.Checkpoints;

/// <summary>Element types as each file format names them.</summary>
public static class DTypes
{
    private static readonly (ScalarType Type, string Safetensors, string Storage, string Name, int Size)[] Table =
    [
        (ScalarType.Float32, "F32", "FloatStorage", "float32", 4),
        (ScalarType.Float64, "F64", "DoubleStorage", "float64", 8),
        (ScalarType.Float16, "F16", "HalfStorage", "float16", 2),
        (ScalarType.BFloat16, "BF16", "BFloat16Storage", "bfloat16", 2),
        (ScalarType.Int64, "I64", "LongStorage", "int64", 8),
        (ScalarType.Int32, "I32", "IntStorage", "int32", 4),
        (ScalarType.Int16, "I16", "ShortStorage", "int16", 2),
        (ScalarType.Int8, "I8", "CharStorage", "int8", 1),
        (ScalarType.Byte, "U8", "ByteStorage", "uint8", 1),
        (ScalarType.Bool, "BOOL", "BoolStorage", "bool", 1),
    ];

    /// <summary>Bytes per element.</summary>
    public static int ElementSize(ScalarType type) => Row(type).Size;

    /// <summary>The PyTorch name, e.g. <c>float32</c>.</summary>
    public static string Name(ScalarType type) => Row(type).Name;

    /// <summary>True for the floating-point types a soup averages.</summary>
    public static bool IsFloatingPoint(ScalarType type) =>
        type is ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16 or ScalarType.BFloat16;

    /// <summary>The safetensors <c>dtype</c> string.</summary>
    public static string ToSafetensors(ScalarType type) => Row(type).Safetensors;

    /// <summary>Parses a safetensors <c>dtype</c> as the header's UTF-8 bytes, or null when unsupported.</summary>
    public static ScalarType? FromSafetensors(ReadOnlySpan<byte> code)
    {
        foreach (var row in Table)
            if (System.Text.Ascii.Equals(code, row.Safetensors)) return row.Type;
        return null;
    }

    /// <summary>The legacy typed-storage class torch.save names in its pickle, e.g. <c>FloatStorage</c>.</summary>
    public static string ToStorageClass(ScalarType type) => Row(type).Storage;

    /// <summary>Parses a torch storage class name, or null when it is not a supported one.</summary>
    public static ScalarType? FromStorageClass(string name) =>
        Table.Where(t => t.Storage == name).Select(t => (ScalarType?)t.Type).FirstOrDefault();

    /// <summary>Parses a user-facing dtype name (<c>float32</c>, <c>fp16</c>, <c>bf16</c>, ...).</summary>
    public static ScalarType? Parse(string name) => name.ToLowerInvariant() switch
    {
        "float32" or "fp32" or "float" => ScalarType.Float32,
        "float16" or "fp16" or "half" => ScalarType.Float16,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        "float64" or "fp64" or "double" => ScalarType.Float64,
        _ => null,
    };

    /// <summary>True when the element type is one this tool can read and write.</summary>
    public static bool IsSupported(ScalarType type) => (uint)(int)type < (uint)RowOf.Length && RowOf[(int)type] >= 0;

    // Table's row of each type by its number, found by indexing rather than a search: this is asked several times per
    // tensor, a million times for a checkpoint of a million tensors. -1 for types not in the table.
    private static readonly int[] RowOf = Enumerable.Range(0, Table.Max(t => (int)t.Type) + 1)
        .Select(n => Array.FindIndex(Table, t => (int)t.Type == n)).ToArray();

    private static ref readonly (ScalarType Type, string Safetensors, string Storage, string Name, int Size) Row(ScalarType type)
    {
        var n = (int)type;
        if ((uint)n >= (uint)RowOf.Length || RowOf[n] < 0) throw new NotSupportedException($"unsupported tensor element type {type}");
        return ref Table[RowOf[n]];
    }
}
