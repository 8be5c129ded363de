using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using TorchSharp;

namespace Soups.Checkpoints.TorchZip;

/// <summary>
/// A pickle reader that builds plain values (dicts, lists, tuples, strings, numbers, tensor descriptions) and runs
/// nothing. Only the globals torch.save needs for state dicts are accepted; any other global is refused by name
/// before anything is built (issue #2: "unpickling must be an allow-list").
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

    private Unpickler(byte[] data, string path)
    {
        _data = data;
        _path = path;
    }

    /// <summary>Unpickles <paramref name="data"/>; <paramref name="path"/> names the file in errors.</summary>
    public static object? Load(byte[] data, string path)
    {
        try
        {
            return new Unpickler(data, path).Run();
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or InvalidCastException
                                      or OverflowException)
        {
            throw new CheckpointFormatException(path, "damaged pickle in checkpoint", e);
        }
    }

    private object? Run()
    {
        while (true)
        {
            var op = _data[_pos++];
            switch (op)
            {
                case 0x80: _pos++; break; // PROTO
                case 0x95: _pos += 8; break; // FRAME
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
                case 0x8b: Push(Long(Take(BinaryPrimitives.ReadInt32LittleEndian(Take(4))))); break; // LONG4
                case 0x47: Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break; // BINFLOAT
                case 0x49: Push(TextInt(Line())); break; // INT
                case 0x4c: Push(long.Parse(Line().TrimEnd('L'))); break; // LONG
                case 0x46: Push(double.Parse(Line(), System.Globalization.CultureInfo.InvariantCulture)); break; // FLOAT
                case 0x58: Push(Encoding.UTF8.GetString(Take(BinaryPrimitives.ReadInt32LittleEndian(Take(4))))); break; // BINUNICODE
                case 0x8c: Push(Encoding.UTF8.GetString(Take(Take(1)[0]))); break; // SHORT_BINUNICODE
                case 0x8d: Push(Encoding.UTF8.GetString(Take(checked((int)BinaryPrimitives.ReadInt64LittleEndian(Take(8)))))); break;
                case 0x54: Push(Encoding.Latin1.GetString(Take(BinaryPrimitives.ReadInt32LittleEndian(Take(4))))); break; // BINSTRING
                case 0x55: Push(Encoding.Latin1.GetString(Take(Take(1)[0]))); break; // SHORT_BINSTRING
                case 0x42: Push(Take(BinaryPrimitives.ReadInt32LittleEndian(Take(4))).ToArray()); break; // BINBYTES
                case 0x43: Push(Take(Take(1)[0]).ToArray()); break; // SHORT_BINBYTES
                case 0x8e: Push(Take(checked((int)BinaryPrimitives.ReadInt64LittleEndian(Take(8)))).ToArray()); break;
                case 0x71: _memo[Take(1)[0]] = Peek(); break; // BINPUT
                case 0x72: _memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Peek(); break; // LONG_BINPUT
                case 0x94: _memo[_memo.Count] = Peek(); break; // MEMOIZE
                case 0x68: Push(Memo(Take(1)[0])); break; // BINGET
                case 0x6a: Push(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break; // LONG_BINGET
                case 0x70: _memo[long.Parse(Line())] = Peek(); break; // PUT
                case 0x67: Push(Memo(long.Parse(Line()))); break; // GET
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
                case 0x63: Push(Global(Line(), Line())); break; // GLOBAL
                case 0x93: { var name = (string)Pop()!; var module = (string)Pop()!; Push(Global(module, name)); break; }
                case 0x52: { var args = (object?[])Pop()!; Push(Call(Pop(), args)); break; } // REDUCE
                case 0x81: { var args = (object?[])Pop()!; Push(Call(Pop(), args)); break; } // NEWOBJ
                case 0x62: Pop(); break; // BUILD: state of an accepted object (e.g. OrderedDict._metadata); not needed
                case 0x51: Push(PersistentLoad(Pop())); break; // BINPERSID
                case 0x30: Pop(); break; // POP
                case 0x31: PopMark(); break; // POP_MARK
                case 0x32: Push(Peek()); break; // DUP
                default:
                    throw new CheckpointFormatException(_path, $"pickle uses opcode 0x{op:x2}, which this reader does not accept");
            }
        }
    }

    private object Global(string module, string name)
    {
        var full = $"{module}.{name}";
        if (Callables.Contains(full)) return new PickleGlobal(module, name);
        if (module == "torch" && (DTypes.FromStorageClass(name) != null || InertTorchNames.Contains(name)))
            return new PickleGlobal(module, name);
        throw new CheckpointFormatException(_path,
            $"refusing to unpickle '{full}': only tensors, storages, OrderedDict and plain values are allowed " +
            "(nothing in the file was executed; save a plain state dict with torch.save(model.state_dict(), path))");
    }

    private object? Call(object? callable, object?[] args)
    {
        if (callable is not PickleGlobal global || !Callables.Contains(global.ToString()))
            throw new CheckpointFormatException(_path, $"pickle calls '{callable}', which is not allowed");
        switch (global.ToString())
        {
            case "collections.OrderedDict":
                return new PickleDict();
            case "torch._utils._rebuild_tensor_v2":
            case "torch._utils._rebuild_tensor":
            {
                var storage = args[0] as TorchStorageRef
                    ?? throw new CheckpointFormatException(_path, "tensor without a storage record");
                return new PickledTensor(storage, (long)args[1]!, Longs(args[2]), Longs(args[3]));
            }
            case "torch._utils._rebuild_parameter":
            case "torch._utils._rebuild_parameter_with_state":
                return args[0];
            case "torch.Size":
                return args.Length == 0 ? Array.Empty<object?>() : args[0];
            case "_codecs.encode":
                return Encoding.Latin1.GetBytes((string)args[0]!);
            case "torch.device":
                return string.Join(":", args);
            default: // builtins.set / frozenset
                return args.Length == 0 ? new List<object?>() : new List<object?>((IEnumerable<object?>)args[0]!);
        }
    }

    private TorchStorageRef PersistentLoad(object? pid)
    {
        // torch.save: ('storage', storage_type, key, location, numel)
        if (pid is not object?[] { Length: >= 5 } t || t[0] as string != "storage" || t[1] is not PickleGlobal type)
            throw new CheckpointFormatException(_path, "unexpected persistent id in pickle (not a torch.save storage)");
        var dtype = DTypes.FromStorageClass(type.Name)
            ?? throw new CheckpointFormatException(_path, $"unsupported storage type torch.{type.Name}");
        return new TorchStorageRef(Convert.ToString(t[2], System.Globalization.CultureInfo.InvariantCulture)!, dtype, (long)t[4]!);
    }

    private static long[] Longs(object? value) => value switch
    {
        object?[] tuple => tuple.Select(v => (long)v!).ToArray(),
        List<object?> list => list.Select(v => (long)v!).ToArray(),
        _ => throw new InvalidCastException("expected a tuple of integers"),
    };

    private static object Long(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) return 0L;
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : value;
    }

    private static object TextInt(string text) => text switch
    {
        "00" => false,
        "01" => true,
        _ => long.Parse(text),
    };

    private static PickleDict DictFrom(List<object?> items)
    {
        var dict = new PickleDict();
        for (var i = 0; i + 1 < items.Count; i += 2) dict.Set(items[i], items[i + 1]);
        return dict;
    }

    private T As<T>(object? value) where T : class =>
        value as T ?? throw new CheckpointFormatException(_path, $"damaged pickle: expected {typeof(T).Name}");

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n < 0 || _pos + n > _data.Length) throw new CheckpointFormatException(_path, "pickle ends unexpectedly (truncated?)");
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
