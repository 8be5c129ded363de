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

    [Fact]
    public void Nnpack_is_switched_off_once_a_device_is_resolved_so_no_convolution_asks_for_it()
    {
        if (!OperatingSystem.IsLinux()) return;
        ComputeDevice.Resolve("cpu");
        Assert.False(LibTorchSwitches.NnpackEnabled);
        // Convolutions still run (through oneDNN), with the same result as written out by hand.
        using var input = torch.arange(2 * 3 * 5 * 5, torch.float32).reshape(2, 3, 5, 5) / 10;
        using var weight = torch.ones(4, 3, 3, 3, torch.float32);
        using var output = torch.nn.functional.conv2d(input, weight);
        using var expected = input.unfold(2, 3, 1).unfold(3, 3, 1).sum([1, 4, 5]).unsqueeze(1).expand(2, 4, 3, 3);
        Assert.True(output.allclose(expected, rtol: 1e-5, atol: 1e-4));
    }
}
