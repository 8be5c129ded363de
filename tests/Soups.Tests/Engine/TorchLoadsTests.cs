using Soups.Runs;
using TorchSharp;

namespace Soups.Tests.Engine;

public class TorchLoadsTests
{
    [Fact]
    public void Libtorch_loads_and_runs_forward_and_backward_on_this_machine()
    {
        // Fails with TypeInitializationException when the build did not relax libLibTorchSharp's GLIBCXX_3.4.32 need
        // on a system whose libstdc++ lacks it (Debian 12); see build/GlibcxxWeakFix.targets.
        using var x = torch.tensor(new float[] { 1, 2, 3 }, requires_grad: true);
        using var y = (x * x).sum();
        y.backward();
        Assert.Equal(new float[] { 2, 4, 6 }, x.grad!.data<float>().ToArray());
    }

    [Fact]
    public void Device_auto_resolves_to_cpu_without_cuda_and_cuda_is_refused_clearly()
    {
        if (torch.cuda.is_available()) return;
        Assert.Equal(DeviceType.CPU, ComputeDevice.Resolve("auto").type);
        var error = Assert.ThrowsAny<SoupException>(() => ComputeDevice.Resolve("cuda"));
        Assert.ThrowsAny<SoupException>(() => ComputeDevice.Resolve("tpu"));
    }
}
