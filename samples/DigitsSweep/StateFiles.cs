using Soups.Checkpoints;
using Soups.FileSystem;
using TorchSharp;

namespace DigitsSweep;

/// <summary>Writes tensors with soup's own safetensors writer (atomically) and reads them back.</summary>
internal static class StateFiles
{
    public static void Write(string path, IReadOnlyDictionary<string, torch.Tensor> tensors)
    {
        var layout = tensors.Select(kv => new TensorInfo(kv.Key, kv.Value.dtype, kv.Value.shape)).ToList();
        using var file = AtomicFile.Create(path, overwrite: true);
        KnownCheckpointFormats.Safetensors.Writer!.Write(file.Stream, layout,
            info => tensors[info.Name].detach().cpu().contiguous().clone(), new Dictionary<string, string> { ["format"] = "pt" });
        file.Commit();
    }

    public static Dictionary<string, torch.Tensor> Read(string path)
    {
        using var reader = KnownCheckpointFormats.Open(path);
        return reader.Tensors.ToDictionary(t => t.Name, t => reader.Read(t.Name));
    }
}
