using TorchSharp;

namespace Soups.Runs;

/// <summary>Resolves a device name (<c>auto</c>, <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>) and a thread count; the engine code is device-agnostic.</summary>
public static class ComputeDevice
{
    /// <summary>Returns the torch device for <paramref name="name"/>; <c>auto</c> means CUDA when available.</summary>
    public static torch.Device Resolve(string name)
    {
        var lower = name.Trim().ToLowerInvariant();
        if (lower == "auto") return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        if (lower == "cpu") return torch.CPU;
        if (lower == "cuda" || lower.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
                throw new OptionException("device", "no CUDA device is available (this build uses the CPU backend unless built with -p:TorchBackend=cuda)");
            return torch.device(lower);
        }
        throw new OptionException("device", $"unknown device '{name}' (choose auto, cpu, cuda or cuda:N)");
    }

    /// <summary>Sets the intra-op thread count when positive.</summary>
    public static void SetThreads(int threads)
    {
        if (threads < 0) throw new OptionException("threads", "must be positive");
        if (threads > 0) torch.set_num_threads(threads);
    }
}
