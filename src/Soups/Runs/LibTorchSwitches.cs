using System.Runtime.InteropServices;

namespace Soups.Runs;

/// <summary>
/// libtorch's process-wide switches that TorchSharp does not expose, set once when libtorch is first loaded, through
/// the C++ symbols <c>libtorch_cpu</c> exports (Itanium mangling, so Linux and macOS only; elsewhere nothing is changed).
/// </summary>
internal static unsafe class LibTorchSwitches
{
    private static int _applied;

    /// <summary>Applies the switches (once per process; later calls do nothing).</summary>
    public static void Apply()
    {
        if (Interlocked.Exchange(ref _applied, 1) == 1 || OperatingSystem.IsWindows()) return;
        DisableNnpack();
    }

    /// <summary>libtorch's own answer to whether NNPACK may be used (null when it cannot be asked).</summary>
    public static bool? NnpackEnabled
    {
        get
        {
            if (OperatingSystem.IsWindows() || !TryExport("_ZN2at13globalContextEv", out var globalContext)
                || !TryExport("_ZNK2at7Context17userEnabledNNPACKEv", out var enabled))
                return null;
            return ((delegate* unmanaged<IntPtr, byte>)enabled)(((delegate* unmanaged<IntPtr>)globalContext)()) != 0;
        }
    }

    // NNPACK is asked first whether it can take a CPU convolution; on a CPU it does not support, every asking prints
    // "Could not initialize NNPACK! Reason: Unsupported hardware." to stderr (36,006 times for a Fisher soup, one per
    // per-example convolution) and the convolution goes to oneDNN as it would anyway. Switched off (PyTorch's
    // torch.backends.nnpack.set_flags(False)), convolutions never ask.
    private static void DisableNnpack()
    {
        if (!TryExport("_ZN2at13globalContextEv", out var globalContext) || !TryExport("_ZN2at7Context20setUserEnabledNNPACKEb", out var setEnabled))
            return;
        var context = ((delegate* unmanaged<IntPtr>)globalContext)();
        ((delegate* unmanaged<IntPtr, byte, void>)setEnabled)(context, 0);
    }

    // libtorch_cpu is already loaded by TorchSharp (by its full path): loading it by name finds that copy.
    private static bool TryExport(string symbol, out IntPtr address)
    {
        address = IntPtr.Zero;
        var name = OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";
        return NativeLibrary.TryLoad(name, out var library) && NativeLibrary.TryGetExport(library, symbol, out address);
    }
}
