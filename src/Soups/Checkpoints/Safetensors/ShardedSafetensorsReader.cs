using System.Text.Json;
using Soups.FileSystem;
using TorchSharp;

namespace Soups.Checkpoints.Safetensors;

/// <summary>
/// Reads a checkpoint split over several safetensors files, named by a Hugging Face style
/// <c>*.safetensors.index.json</c> (<c>{"weight_map": {"tensor": "shard file"}}</c>). Shards are opened lazily.
/// </summary>
public sealed class ShardedSafetensorsReader : ICheckpointReader
{
    private readonly Dictionary<string, SafetensorsReader> _shards = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (SafetensorsReader Shard, string StoredName)> _byName = new(StringComparer.Ordinal);

    /// <summary>Opens the index and the headers of every shard it names.</summary>
    public ShardedSafetensorsReader(string indexPath, ReadOptions options)
    {
        Path = indexPath;
        var weightMap = ReadWeightMap(indexPath);
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(indexPath))!;
        var tensors = new List<TensorInfo>();
        try
        {
            var noPrefixChange = ReadOptions.Default with { StripPrefix = "" };
            foreach (var shardName in weightMap.Values.Distinct(StringComparer.Ordinal))
            {
                var shardPath = System.IO.Path.Combine(folder, shardName);
                if (!File.Exists(shardPath))
                    throw new CheckpointFormatException(indexPath, $"shard '{shardName}' named in the index does not exist");
                InputFiles.RequireReadable(shardPath);
                _shards[shardName] = new SafetensorsReader(shardPath, noPrefixChange);
            }
            var stored = new List<(SafetensorsReader Shard, TensorInfo Info)>();
            foreach (var shard in _shards.Values)
                foreach (var info in shard.Tensors)
                    if (weightMap.TryGetValue(info.Name, out var owner) && _shards[owner] == shard) stored.Add((shard, info));
            var present = stored.Select(s => s.Info.Name).ToHashSet(StringComparer.Ordinal);
            var missing = weightMap.Keys.FirstOrDefault(k => !present.Contains(k));
            if (missing != null)
                throw new CheckpointFormatException(indexPath, $"tensor '{missing}' is in the index but not in shard '{weightMap[missing]}'");
            var names = PrefixMapping.Apply(stored.Select(s => s.Info.Name).ToList(), options, indexPath);
            for (var i = 0; i < stored.Count; i++)
            {
                _byName.Add(names[i], (stored[i].Shard, stored[i].Info.Name));
                tensors.Add(stored[i].Info with { Name = names[i] });
            }
        }
        catch
        {
            Dispose();
            throw;
        }
        Tensors = tensors;
        Files = [indexPath, .. _shards.Values.Select(s => s.Path)];
    }

    /// <inheritdoc />
    public IReadOnlyList<string> Files { get; }

    private static Dictionary<string, string> ReadWeightMap(string indexPath)
    {
        Dictionary<string, string> weightMap;
        try
        {
            if (new FileInfo(indexPath).Length > 1L << 30) throw new CheckpointFormatException(indexPath, "too large to be a safetensors index");
            using var doc = JsonDocument.Parse(File.ReadAllBytes(indexPath));
            weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.GetProperty("weight_map").EnumerateObject())
            {
                var shard = p.Value.GetString();
                if (string.IsNullOrEmpty(shard)) throw new CheckpointFormatException(indexPath, $"weight_map entry '{p.Name}' names no shard");
                if (!weightMap.TryAdd(p.Name, shard)) throw new CheckpointFormatException(indexPath, $"weight_map names '{p.Name}' twice");
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CheckpointFormatException(indexPath, $"not a safetensors index (expected a \"weight_map\" object): {e.Message}", e);
        }
        if (weightMap.Count == 0) throw new CheckpointFormatException(indexPath, "the index names no tensors");
        return weightMap;
    }

    /// <inheritdoc />
    public string Path { get; }

    /// <inheritdoc />
    public string Format => "safetensors-sharded";

    /// <inheritdoc />
    public IReadOnlyList<TensorInfo> Tensors { get; }

    /// <inheritdoc />
    public torch.Tensor Read(string name)
    {
        if (!_byName.TryGetValue(name, out var entry))
            throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");
        return entry.Shard.Read(entry.StoredName);
    }

    /// <inheritdoc />
    public torch.Tensor ReadRange(string name, long start, long count)
    {
        if (!_byName.TryGetValue(name, out var entry))
            throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");
        return entry.Shard.ReadRange(entry.StoredName, start, count);
    }

    /// <inheritdoc />
    public bool CanReadRaw(string name) => _byName.TryGetValue(name, out var entry) && entry.Shard.CanReadRaw(entry.StoredName);

    /// <inheritdoc />
    public void ReadRaw(string name, long start, Span<byte> destination)
    {
        if (!_byName.TryGetValue(name, out var entry))
            throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");
        entry.Shard.ReadRaw(entry.StoredName, start, destination);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var shard in _shards.Values) shard.Dispose();
    }
}
