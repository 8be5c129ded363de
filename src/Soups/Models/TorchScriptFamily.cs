using Soups.Checkpoints;
using Soups.Checkpoints.TorchZip;
using TorchSharp;

namespace Soups.Models;

/// <summary>
/// A TorchScript file exported from PyTorch (<c>torch.jit.script</c> or <c>torch.jit.trace</c>), recognised by its
/// content whatever its extension: this makes any architecture usable (issue #3).
/// </summary>
public sealed class TorchScriptFamily : IModelFamily
{
    private readonly string _path;

    /// <summary>Checks that <paramref name="path"/> is a TorchScript archive.</summary>
    public TorchScriptFamily(string path)
    {
        FileSystem.InputFiles.RequireReadable(path);
        if (!IsTorchScript(path))
            throw new InputException(path, "not a TorchScript file (export one with torch.jit.script(model).save(path) or torch.jit.trace)");
        _path = path;
        Identity = "torchscript:" + FileSystem.FileHash.Sha256(path);
    }

    /// <inheritdoc />
    public string Name => _path;

    /// <inheritdoc />
    public string Description => "TorchScript file " + _path;

    /// <inheritdoc />
    public IReadOnlyList<string> Files => [_path];

    /// <inheritdoc />
    public string Identity { get; }

    /// <inheritdoc />
    public IModel Create(IReadOnlyList<TensorInfo> layout, torch.Device device)
    {
        torch.jit.ScriptModule<torch.Tensor, torch.Tensor> module;
        try
        {
            module = torch.jit.load<torch.Tensor, torch.Tensor>(_path, device.type, device.index);
        }
        catch (Exception e) when (e is System.Runtime.InteropServices.ExternalException or ArgumentException or InvalidOperationException)
        {
            throw new InputException(_path, $"TorchScript could not be loaded: {e.Message.ReplaceLineEndings(" ")}", e);
        }
        return new ModuleModel(module, module.forward, device);
    }

    /// <summary>True for a zip archive holding TorchScript code (a <c>constants.pkl</c> or <c>code/</c> record).</summary>
    public static bool IsTorchScript(string path)
    {
        if (!File.Exists(path)) return false;
        try
        {
            using var file = File.OpenHandle(path);
            var directory = ZipDirectory.Read(file, path);
            return directory.Entries.Keys.Any(k => k.EndsWith("/constants.pkl", StringComparison.Ordinal) || k.Contains("/code/", StringComparison.Ordinal));
        }
        catch (CheckpointFormatException)
        {
            return false;
        }
    }
}
