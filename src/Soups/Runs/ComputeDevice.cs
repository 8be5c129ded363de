using Soups.Baking;
using TorchSharp;

namespace Soups.Runs;

/// <summary>Resolves a device name (<c>auto</c>, <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>) and a thread count; the engine code is device-agnostic.</summary>
public static class ComputeDevice
{
    private static int _pendingThreads;

    /// <summary>True when this build's libtorch has CUDA (<c>-p:TorchBackend=cuda</c>).</summary>
    public const bool CudaBuild =
#if SOUPS_CUDA
        true;
#else
        false;
#endif

    /// <summary>Returns the torch device for <paramref name="name"/>; <c>auto</c> means CUDA when available. Loads libtorch.</summary>
    public static torch.Device Resolve(string name)
    {
        var lower = Check(name);
        ApplyThreads();
        if (lower == "auto") return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        if (lower == "cpu") return torch.CPU;
        if (!torch.cuda.is_available())
            throw new OptionException("device", "no CUDA device is available (this build uses the CPU backend unless built with -p:TorchBackend=cuda)");
        return torch.device(lower);
    }

    /// <summary>
    /// The target for <paramref name="name"/>: the CPU (<c>cpu</c>, or <c>auto</c> in a CPU-only build) is resolved
    /// lazily, so libtorch is loaded only when something computes with it; a GPU is resolved now (an unavailable one
    /// is an error before any work).
    /// </summary>
    public static ComputeTarget Target(string name)
    {
        var lower = Check(name);
        if (lower == "cpu" || (lower == "auto" && !CudaBuild)) return new ComputeTarget(true, () => Resolve(lower));
        return Resolve(lower);
    }

    /// <summary>Sets the thread count when positive: for the managed loops now, for libtorch when a device is resolved.</summary>
    public static void SetThreads(int threads)
    {
        if (threads < 0) throw new OptionException("threads", "must be positive");
        if (threads == 0) return;
        Threads.Count = threads;
        Volatile.Write(ref _pendingThreads, threads);
    }

    private static void ApplyThreads()
    {
        var threads = Interlocked.Exchange(ref _pendingThreads, 0);
        torch.InitializeDeviceType(DeviceType.CPU); // loads libtorch
        if (threads > 0) torch.set_num_threads(threads);
        LibTorchSwitches.Apply();
    }

    private static string Check(string name)
    {
        var lower = name.Trim().ToLowerInvariant();
        if (lower is "auto" or "cpu" or "cuda" || (lower.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(lower[5..], out var index) && index >= 0))
            return lower;
        throw new OptionException("device", $"unknown device '{name}' (choose auto, cpu, cuda or cuda:N)");
    }
}
