namespace Soups.Checkpoints.TorchZip;

/// <summary>
/// Globals that only an attack puts in a checkpoint: named in a pickle, they make <c>torch.load</c> (with
/// <c>weights_only=False</c>) run commands, evaluate code, import modules, open files or sockets. The table follows
/// picklescan's dangerous globals (mmaitre314/picklescan, <c>_unsafe_globals</c>): a module maps to every name in it
/// (and in its submodules) or to a few names. Benign classes a training script pickles (<c>argparse.Namespace</c>, a
/// config class, <c>pathlib.PosixPath</c>) are not in it: soup reads those as inert placeholders.
/// </summary>
public static class UnsafeGlobals
{
    // null: every name in the module and in its submodules.
    private static readonly Dictionary<string, HashSet<string>?> ByModule = Table();

    /// <summary>
    /// True when <paramref name="module"/>.<paramref name="name"/> is one of the globals above. A dotted
    /// <paramref name="name"/> (pickle protocol 4 walks it attribute by attribute) is also checked as a path through
    /// the modules it names, since a module's attribute may be another module (<c>torch.os</c> is <c>os</c>).
    /// </summary>
    public static bool IsUnsafe(string module, string name)
    {
        if (Listed(module, name)) return true;
        var path = name.Split('.');
        for (var i = 1; i < path.Length; i++)
        {
            if (Listed(module + "." + string.Join('.', path[..i]), string.Join('.', path[i..]))) return true; // torch + hub.load
            if (Listed(string.Join('.', path[(i - 1)..^1]), path[^1])) return true; // torch + os.system
        }
        return false;
    }

    private static bool Listed(string module, string name)
    {
        if (ByModule.TryGetValue(module, out var names)) return names is null || names.Contains(name);
        for (var dot = module.LastIndexOf('.'); dot > 0; dot = module.LastIndexOf('.', dot - 1))
            if (ByModule.TryGetValue(module[..dot], out var parent) && parent is null) return true;
        return false;
    }

    private static Dictionary<string, HashSet<string>?> Table()
    {
        var table = new Dictionary<string, HashSet<string>?>(StringComparer.Ordinal);
        void Every(params string[] modules)
        {
            foreach (var module in modules) table[module] = null;
        }
        void Names(string module, params string[] names) => table[module] = new HashSet<string>(names, StringComparer.Ordinal);

        // Run commands, spawn processes or open connections (posix and nt are what os pickles as). http.client is
        // beyond picklescan: it is where Python 3 keeps what picklescan lists as httplib.
        Every("os", "posix", "nt", "subprocess", "pty", "socket", "ssl", "asyncio", "aiohttp", "requests.api", "http.client",
            "urllib.request", "webbrowser", "shutil", "sys", "ctypes", "uuid", "venv", "pip", "ensurepip", "_osx_support",
            "_aix_support", "_pyrepl", "distutils.file_util");
        // Run Python code given as text, or load another pickle; picklescan lists one method of code, soup all of it.
        Every("runpy", "code", "pdb", "bdb", "cProfile", "profile", "timeit", "pydoc", "test", "pickle", "_pickle",
            "numpy.f2py", "numpy.testing._private.utils");
        // Python 2 names that torch.load maps to the ones above when a pickle says it is protocol 2 or older.
        Every("commands", "httplib", "urllib2", "cPickle");
        // Beyond picklescan, serving no checkpoint: importing a module by name, code objects from bytes, hub code.
        Every("importlib", "marshal", "torch.hub");
        string[] builtins =
        [
            "eval", "exec", "execfile", "compile", "open", "apply", "breakpoint", "getattr",
            // Beyond picklescan: the rest of what reaches any module or rewrites an object.
            "__import__", "setattr", "delattr", "globals", "locals", "vars", "input",
        ];
        Names("builtins", builtins);
        Names("__builtin__", builtins);
        // builtins.open is io.open; picklescan lists only _io.FileIO.
        Names("io", "open", "open_code", "FileIO");
        Names("_io", "open", "open_code", "FileIO");
        // FunctionType (beyond picklescan) makes a callable of what CodeType builds.
        Names("types", "CodeType", "FunctionType");
        Names("functools", "partial");
        Names("operator", "attrgetter", "itemgetter", "methodcaller");
        Names("_operator", "attrgetter", "itemgetter", "methodcaller");
        Names("logging", "FileHandler");
        Names("pkgutil", "resolve_name");
        Names("imaplib", "IMAP4_stream");
        Names("doctest", "debug_script");
        Names("trace", "Trace.run", "Trace.runctx");
        Names("cloudpickle.cloudpickle", "_builtin_type", "_make_function", "_function_setstate", "_make_cell",
            "_make_empty_cell", "subimport");
        Names("idlelib.autocomplete", "AutoComplete.get_entity", "AutoComplete.fetch_completions");
        Names("idlelib.calltip", "Calltip.fetch_tip", "get_entity");
        Names("idlelib.debugobj", "ObjectTreeItem.SetText");
        Names("idlelib.pyshell", "ModifiedInterpreter.runcode", "ModifiedInterpreter.runcommand");
        Names("idlelib.run", "Executive.runcode");
        Names("lib2to3.pgen2.grammar", "Grammar.loads");
        Names("lib2to3.pgen2.pgen", "ParserGenerator.make_label");
        // torch's own functions that load another file, compile or evaluate text; torch.load (beyond picklescan) is
        // torch.serialization.load under its public name.
        Names("torch", "load");
        Names("torch.serialization", "load");
        Names("torch._inductor.codecache", "compile_file");
        Names("torch._dynamo.guards", "GuardBuilder.get");
        Names("torch.fx.experimental.symbolic_shapes", "ShapeEnv.evaluate_guards_expression");
        Names("torch.jit.unsupported_tensor_ops", "execWrapper");
        Names("torch.utils._config_module", "ConfigModule.load_config");
        Names("torch.utils.bottleneck.__main__", "run_cprofile", "run_autograd_prof");
        Names("torch.utils.collect_env", "run");
        Names("torch.utils.data.datapipes.utils.decoder", "basichandlers");
        return table;
    }
}
