using Soups.Checkpoints.TorchZip;

namespace Soups.Tests.Checkpoints;

/// <summary>
/// The classification of pickle globals against a table written here from picklescan's dangerous globals
/// (mmaitre314/picklescan, <c>_unsafe_globals</c>) and from what real training checkpoints carry.
/// </summary>
public class UnsafeGlobalsTests
{
    [Theory]
    [InlineData("os", "system")]
    [InlineData("posix", "system")]
    [InlineData("nt", "system")]
    [InlineData("os.path", "join")] // a submodule of a module listed whole
    [InlineData("subprocess", "Popen")]
    [InlineData("subprocess", "check_output")]
    [InlineData("builtins", "eval")]
    [InlineData("builtins", "exec")]
    [InlineData("builtins", "compile")]
    [InlineData("builtins", "open")]
    [InlineData("builtins", "getattr")]
    [InlineData("builtins", "__import__")]
    [InlineData("__builtin__", "eval")]
    [InlineData("runpy", "_run_code")]
    [InlineData("importlib", "import_module")]
    [InlineData("pty", "spawn")]
    [InlineData("socket", "create_connection")]
    [InlineData("shutil", "rmtree")]
    [InlineData("webbrowser", "open")]
    [InlineData("sys", "modules")]
    [InlineData("ctypes", "CDLL")]
    [InlineData("pickle", "loads")]
    [InlineData("urllib.request", "urlopen")]
    [InlineData("functools", "partial")]
    [InlineData("operator", "attrgetter")]
    [InlineData("_operator", "methodcaller")]
    [InlineData("code", "InteractiveInterpreter.runcode")] // a qualified name, as protocol 4 writes a method
    [InlineData("types", "CodeType")]
    [InlineData("torch.serialization", "load")]
    [InlineData("commands", "getoutput")] // Python 2's name, which protocol-2 pickles are mapped from
    [InlineData("torch", "os.system")] // torch imports os: protocol 4 walks torch.os.system
    [InlineData("torch", "hub.load")]
    public void Globals_that_only_an_attack_names_are_unsafe(string module, string name) =>
        Assert.True(UnsafeGlobals.IsUnsafe(module, name), $"{module}.{name}");

    [Theory]
    [InlineData("argparse", "Namespace")]
    [InlineData("__main__", "TrainConfig")]
    [InlineData("__main__", "Outer.Config")]
    [InlineData("collections", "OrderedDict")]
    [InlineData("collections", "defaultdict")]
    [InlineData("torch._utils", "_rebuild_tensor_v2")]
    [InlineData("torch", "FloatStorage")]
    [InlineData("builtins", "set")]
    [InlineData("builtins", "slice")]
    [InlineData("pathlib", "PosixPath")] // Lightning's hyper-parameters often hold paths
    [InlineData("numpy.core.multiarray", "_reconstruct")]
    [InlineData("numpy", "dtype")]
    [InlineData("omegaconf.dictconfig", "DictConfig")]
    [InlineData("mypkg.test", "Config")] // only the module named "test" is listed, not every module of that name
    [InlineData("ossified", "system")]
    [InlineData("functools", "reduce")]
    [InlineData("logging", "getLogger")]
    public void Classes_a_training_script_pickles_are_not(string module, string name) =>
        Assert.False(UnsafeGlobals.IsUnsafe(module, name), $"{module}.{name}");
}
