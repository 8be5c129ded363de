namespace Soups.Checkpoints.TorchZip;

/// <summary>
/// Globals that, named in a pickle, mean <c>torch.load</c> (with <c>weights_only=False</c>) would run commands,
/// open files or import code: soup never runs them, but says so, because the file is dangerous elsewhere.
/// </summary>
public static class SuspiciousGlobals
{
    private static readonly HashSet<string> Modules =
    [
        "os", "posix", "nt", "subprocess", "sys", "shutil", "socket", "importlib", "runpy", "pty", "code", "ctypes",
        "pickle", "marshal", "webbrowser", "urllib", "http", "requests", "asyncio", "multiprocessing", "io", "pathlib",
    ];

    private static readonly HashSet<string> Builtins =
        ["eval", "exec", "compile", "open", "getattr", "setattr", "__import__", "breakpoint", "input", "globals", "locals", "vars"];

    /// <summary>True for a global (<c>module.name</c>) that runs code or touches the system.</summary>
    public static bool IsSuspicious(string global)
    {
        var dot = global.LastIndexOf('.');
        if (dot <= 0) return false;
        var module = global[..dot];
        var name = global[(dot + 1)..];
        if (module is "builtins" or "__builtin__") return Builtins.Contains(name);
        return Modules.Contains(module.Split('.')[0]);
    }
}
