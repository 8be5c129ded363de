using System.Text.Json;
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
        Dictionary<string, string> weightMap;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(indexPath));
            weightMap = doc.RootElement.GetProperty("weight_map").EnumerateObject()
                .ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CheckpointFormatException(indexPath, $"not a safetensors index (expected a \"weight_map\" object): {e.Message}", e);
        }
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
                _shards[shardName] = new SafetensorsReader(shardPath, noPrefixChange);
            }
            var rename = PrefixMapping.For(weightMap.Keys.ToList(), options);
            foreach (var shard in _shards.Values)
            {
                foreach (var info in shard.Tensors)
                {
                    if (!weightMap.TryGetValue(info.Name, out var owner) || _shards[owner] != shard) continue;
                    var renamed = info with { Name = rename(info.Name) };
                    _byName[renamed.Name] = (shard, info.Name);
                    tensors.Add(renamed);
                }
            }
            var missing = weightMap.Keys.FirstOrDefault(k => !_byName.ContainsKey(rename(k)));
            if (missing != null)
                throw new CheckpointFormatException(indexPath, $"tensor '{missing}' is in the index but not in shard '{weightMap[missing]}'");
        }
        catch
        {
            Dispose();
            throw;
        }
        Tensors = tensors;
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
    public void Dispose()
    {
        foreach (var shard in _shards.Values) shard.Dispose();
    }
}
