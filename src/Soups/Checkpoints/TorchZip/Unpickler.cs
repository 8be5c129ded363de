using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using TorchSharp;

namespace Soups.Checkpoints.TorchZip;

/// <summary>
/// A pickle reader that builds plain values (dicts, lists, tuples, strings, numbers, tensor descriptions) and runs
/// nothing. The globals torch.save needs for weights are understood (issue #2: an allow-list); any other global (an
/// <c>argparse.Namespace</c>, a config class, <c>os.system</c>) becomes an inert <see cref="InertObject"/>, so a
/// training checkpoint that carries such objects beside its weights can still be read (issue #8). Those among them
/// that only an attack names (<see cref="UnsafeGlobals"/>) are listed apart, for the reader to refuse.
/// </summary>
internal sealed class Unpickler
{
    private static readonly object Mark = new();

    private static readonly HashSet<string> Callables =
    [
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state", "torch.Size", "_codecs.encode",
        "builtins.set", "builtins.frozenset", "torch.device",
    ];

    private static readonly HashSet<string> InertTorchNames =
    [
        "float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool",
        "float", "double", "half", "long", "int", "short", "complex64", "complex128", "UntypedStorage",
    ];

    private readonly byte[] _data;
    private readonly string _path;
    private int _pos;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private readonly List<string> _foreign = [];
    private readonly List<string> _unsafe = [];

    private Unpickler(byte[] data, string path)
    {
        _data = data;
        _path = path;
    }

    /// <summary>Unpickles <paramref name="data"/>; <paramref name="path"/> names the file in errors.</summary>
    public static PickleResult Load(byte[] data, string path)
    {
        try
        {
            var unpickler = new Unpickler(data, path);
            var root = unpickler.Run();
            return new PickleResult(root, unpickler._foreign.Distinct(StringComparer.Ordinal).ToList(),
                unpickler._unsafe.Distinct(StringComparer.Ordinal).ToList());
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or InvalidCastException
                                      or OverflowException or NullReferenceException or FormatException
                                      or KeyNotFoundException or InvalidOperationException or OutOfMemoryException)
        {
            throw new CheckpointFormatException(path, "damaged pickle in checkpoint", e);
        }
    }

    private object? Run()
    {
        while (true)
        {
            var op = Take(1)[0];
            switch (op)
            {
                case 0x80: Take(1); break; // PROTO
                case 0x95: Take(8); break; // FRAME
                case 0x2e: return Pop(); // STOP
                case 0x28: _marks.Add(_stack.Count); break; // MARK
                case 0x7d: Push(new PickleDict()); break; // EMPTY_DICT
                case 0x5d: Push(new List<object?>()); break; // EMPTY_LIST
                case 0x8f: Push(new List<object?>()); break; // EMPTY_SET: kept as a list
                case 0x29: Push(Array.Empty<object?>()); break; // EMPTY_TUPLE
                case 0x4e: Push(null); break; // NONE
                case 0x88: Push(true); break; // NEWTRUE
                case 0x89: Push(false); break; // NEWFALSE
                case 0x4a: Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break; // BININT
                case 0x4b: Push((long)Take(1)[0]); break; // BININT1
                case 0x4d: Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break; // BININT2
                case 0x8a: Push(Long(Take(Take(1)[0]))); break; // LONG1
                case 0x8b: Push(Long(Take(Length32()))); break; // LONG4
                case 0x47: Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break; // BINFLOAT
                case 0x49: Push(TextInt(Line())); break; // INT
                case 0x4c: Push(long.Parse(Line().TrimEnd('L'), System.Globalization.CultureInfo.InvariantCulture)); break; // LONG
                case 0x46: Push(double.Parse(Line(), System.Globalization.CultureInfo.InvariantCulture)); break; // FLOAT
                case 0x58: Push(Encoding.UTF8.GetString(Take(Length32()))); break; // BINUNICODE
                case 0x8c: Push(Encoding.UTF8.GetString(Take(Take(1)[0]))); break; // SHORT_BINUNICODE
                case 0x8d: Push(Encoding.UTF8.GetString(Take(Length64()))); break; // BINUNICODE8
                case 0x54: Push(Encoding.Latin1.GetString(Take(Length32()))); break; // BINSTRING
                case 0x55: Push(Encoding.Latin1.GetString(Take(Take(1)[0]))); break; // SHORT_BINSTRING
                case 0x42: Push(Take(Length32()).ToArray()); break; // BINBYTES
                case 0x43: Push(Take(Take(1)[0]).ToArray()); break; // SHORT_BINBYTES
                case 0x8e: Push(Take(Length64()).ToArray()); break; // BINBYTES8
                case 0x71: _memo[Take(1)[0]] = Peek(); break; // BINPUT
                case 0x72: _memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Peek(); break; // LONG_BINPUT
                case 0x94: _memo[_memo.Count] = Peek(); break; // MEMOIZE
                case 0x68: Push(Memo(Take(1)[0])); break; // BINGET
                case 0x6a: Push(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break; // LONG_BINGET
                case 0x70: _memo[long.Parse(Line(), System.Globalization.CultureInfo.InvariantCulture)] = Peek(); break; // PUT
                case 0x67: Push(Memo(long.Parse(Line(), System.Globalization.CultureInfo.InvariantCulture))); break; // GET
                case 0x74: Push(PopMark().ToArray()); break; // TUPLE
                case 0x85: Push(new[] { Pop() }); break; // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; } // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; } // TUPLE3
                case 0x6c: Push(PopMark()); break; // LIST
                case 0x64: Push(DictFrom(PopMark())); break; // DICT
                case 0x61: { var v = Pop(); As<List<object?>>(Peek()).Add(v); break; } // APPEND
                case 0x65: case 0x90: { var items = PopMark(); As<List<object?>>(Peek()).AddRange(items); break; } // APPENDS, ADDITEMS
                case 0x73: { var v = Pop(); var k = Pop(); As<PickleDict>(Peek()).Set(k, v); break; } // SETITEM
                case 0x75: // SETITEMS
                {
                    var items = PopMark();
                    var dict = As<PickleDict>(Peek());
                    for (var i = 0; i + 1 < items.Count; i += 2) dict.Set(items[i], items[i + 1]);
                    break;
                }
                case 0x91: Push(PopMark()); break; // FROZENSET
                case 0x63: { var module = Line(); Push(Global(module, Line())); break; } // GLOBAL
                case 0x93: { var name = As<string>(Pop()); var module = As<string>(Pop()); Push(Global(module, name)); break; } // STACK_GLOBAL
                case 0x52: { var args = Tuple(Pop()); Push(Call(Pop(), args)); break; } // REDUCE
                case 0x81: { var args = Tuple(Pop()); Push(Call(Pop(), args)); break; } // NEWOBJ
                case 0x92: { Pop(); var args = Tuple(Pop()); Push(Call(Pop(), args)); break; } // NEWOBJ_EX (kwargs ignored)
                case 0x69: { var module = Line(); var global = Global(module, Line()); Push(Call(global, PopMark().ToArray())); break; } // INST
                case 0x6f: { var items = PopMark(); if (items.Count == 0) throw Damaged("OBJ without a class"); Push(Call(items[0], items.Skip(1).ToArray())); break; } // OBJ
                case 0x62: Pop(); Peek(); break; // BUILD: an object's state; plain values need none, inert objects keep none
                case 0x51: Push(PersistentLoad(Pop())); break; // BINPERSID
                case 0x30: Pop(); break; // POP
                case 0x31: PopMark(); break; // POP_MARK
                case 0x32: Push(Peek()); break; // DUP
                default:
                    throw new CheckpointFormatException(_path, $"pickle uses opcode 0x{op:x2}, which this reader does not accept");
            }
        }
    }

    private PickleGlobal Global(string module, string name)
    {
        var full = $"{module}.{name}";
        if (Callables.Contains(full)) return new PickleGlobal(module, name, Known: true);
        if (module == "torch" && (DTypes.FromStorageClass(name) != null || InertTorchNames.Contains(name)))
            return new PickleGlobal(module, name, Known: true);
        _foreign.Add(full);
        if (UnsafeGlobals.IsUnsafe(module, name)) _unsafe.Add(full);
        return new PickleGlobal(module, name, Known: false);
    }

    private object? Call(object? callable, object?[] args)
    {
        switch (callable)
        {
            case PickleGlobal { Known: false } foreign:
                return new InertObject(foreign); // recorded, never run
            case InertObject inert:
                return inert;
            case PickleGlobal global when Callables.Contains(global.ToString()):
                break;
            default:
                throw Damaged($"the pickle calls '{callable}', which is not callable");
        }
        var name = callable.ToString();
        switch (name)
        {
            case "collections.OrderedDict":
            {
                var dict = new PickleDict();
                if (args.Length > 0 && args[0] is List<object?> pairs)
                    foreach (var pair in pairs)
                        if (pair is object?[] { Length: 2 } kv) dict.Set(kv[0], kv[1]);
                return dict;
            }
            case "torch._utils._rebuild_tensor_v2":
            case "torch._utils._rebuild_tensor":
            {
                if (args.Length < 4) throw Damaged("tensor rebuilt with too few arguments");
                var storage = args[0] as TorchStorageRef ?? throw Damaged("tensor without a storage record");
                var offset = args[1] as long? ?? throw Damaged("tensor storage offset is not an integer");
                var shape = Longs(args[2], "shape");
                var stride = Longs(args[3], "stride");
                if (stride.Length != shape.Length) throw Damaged($"tensor shape [{string.Join(", ", shape)}] and strides [{string.Join(", ", stride)}] differ in rank");
                if (offset < 0 || shape.Any(s => s < 0) || stride.Any(s => s < 0))
                    throw Damaged("tensor with a negative size, stride or offset");
                return new PickledTensor(storage, offset, shape, stride);
            }
            case "torch._utils._rebuild_parameter":
            case "torch._utils._rebuild_parameter_with_state":
                return args.Length > 0 ? args[0] : throw Damaged("parameter without data");
            case "torch.Size":
                return args.Length == 0 ? Array.Empty<object?>() : args[0];
            case "_codecs.encode":
                return args.Length > 0 && args[0] is string text ? Encoding.Latin1.GetBytes(text) : throw Damaged("bad _codecs.encode call");
            case "torch.device":
                return string.Join(":", args);
            default: // builtins.set / frozenset
                return args.Length == 0 ? new List<object?>()
                    : args[0] is IEnumerable<object?> items ? new List<object?>(items) : throw Damaged("bad set contents");
        }
    }

    private TorchStorageRef PersistentLoad(object? pid)
    {
        // torch.save: ('storage', storage_type, key, location, numel)
        if (pid is not object?[] { Length: >= 5 } t || t[0] as string != "storage" || t[1] is not PickleGlobal type)
            throw new CheckpointFormatException(_path, "unexpected persistent id in pickle (not a torch.save storage)");
        var key = t[2] switch
        {
            string s => s,
            long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => throw Damaged("storage key is neither a string nor an integer"),
        };
        var count = t[4] as long? ?? throw Damaged($"storage size is not an integer ({t[4]?.GetType().Name ?? "None"})");
        if (count < 0) throw Damaged("storage with a negative size");
        // An unsupported storage class (complex, quantized) only matters if the weights use it.
        return new TorchStorageRef(key, type.Known ? DTypes.FromStorageClass(type.Name) : null, type.ToString(), count);
    }

    private CheckpointFormatException Damaged(string problem) => new(_path, "damaged pickle: " + problem);

    private long[] Longs(object? value, string what) => value switch
    {
        object?[] tuple when tuple.All(v => v is long) => tuple.Select(v => (long)v!).ToArray(),
        List<object?> list when list.All(v => v is long) => list.Select(v => (long)v!).ToArray(),
        _ => throw Damaged($"tensor {what} is not a tuple of integers"),
    };

    private object?[] Tuple(object? value) => value as object?[] ?? throw Damaged("call arguments are not a tuple");

    private int Length32()
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        return length >= 0 ? length : throw Damaged("negative length");
    }

    private int Length64()
    {
        var length = BinaryPrimitives.ReadInt64LittleEndian(Take(8));
        return length is >= 0 and <= int.MaxValue ? (int)length : throw Damaged("length out of range");
    }

    private static object Long(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) return 0L;
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (object)(long)value : value;
    }

    private static object TextInt(string text) => text switch
    {
        "00" => false,
        "01" => true,
        _ => long.Parse(text, System.Globalization.CultureInfo.InvariantCulture),
    };

    private static PickleDict DictFrom(List<object?> items)
    {
        var dict = new PickleDict();
        for (var i = 0; i + 1 < items.Count; i += 2) dict.Set(items[i], items[i + 1]);
        return dict;
    }

    private T As<T>(object? value) where T : class =>
        value as T ?? throw Damaged($"expected {typeof(T).Name}");

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n < 0 || n > _data.Length - _pos) throw new CheckpointFormatException(_path, "pickle ends unexpectedly (truncated?)");
        var span = _data.AsSpan(_pos, n);
        _pos += n;
        return span;
    }

    private string Line()
    {
        var end = Array.IndexOf(_data, (byte)'\n', _pos);
        if (end < 0) throw new CheckpointFormatException(_path, "pickle ends unexpectedly (truncated?)");
        var text = Encoding.UTF8.GetString(_data, _pos, end - _pos);
        _pos = end + 1;
        return text;
    }

    private object? Memo(long key) =>
        _memo.TryGetValue(key, out var value) ? value : throw new CheckpointFormatException(_path, "damaged pickle: unknown memo key");

    private void Push(object? value) => _stack.Add(value);

    private object? Peek() => _stack.Count > 0 ? _stack[^1] : throw new CheckpointFormatException(_path, "damaged pickle: empty stack");

    private object? Pop()
    {
        var value = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        if (value == Mark) throw new CheckpointFormatException(_path, "damaged pickle: unexpected mark");
        return value;
    }

    private List<object?> PopMark()
    {
        if (_marks.Count == 0) throw new CheckpointFormatException(_path, "damaged pickle: no mark");
        var at = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(at, _stack.Count - at);
        _stack.RemoveRange(at, _stack.Count - at);
        return items;
    }
}

/// <summary>
/// An unpickled value, the globals outside the allow-list it named (kept inert), and those of them that only an attack
/// names.
/// </summary>
internal sealed record PickleResult(object? Root, IReadOnlyList<string> ForeignGlobals, IReadOnlyList<string> UnsafeGlobals);
