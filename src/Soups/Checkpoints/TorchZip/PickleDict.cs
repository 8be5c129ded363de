namespace Soups.Checkpoints.TorchZip;

/// <summary>A Python dict or OrderedDict as unpickled: insertion-ordered key/value pairs.</summary>
internal sealed class PickleDict
{
    private readonly List<KeyValuePair<object?, object?>> _items = [];
    private readonly Dictionary<object, int> _index = [];

    /// <summary>Entries in insertion order.</summary>
    public IReadOnlyList<KeyValuePair<object?, object?>> Items => _items;

    /// <summary>Sets a key, keeping its first position when it is set again (Python semantics).</summary>
    public void Set(object? key, object? value)
    {
        if (key != null && _index.TryGetValue(key, out var at))
        {
            _items[at] = new(key, value);
            return;
        }
        if (key != null) _index[key] = _items.Count;
        _items.Add(new(key, value));
    }

    /// <summary>Looks a string key up.</summary>
    public bool TryGet(string key, out object? value)
    {
        if (_index.TryGetValue(key, out var at))
        {
            value = _items[at].Value;
            return true;
        }
        value = null;
        return false;
    }
}
