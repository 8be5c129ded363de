using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Soups.Models;

/// <summary>
/// The small CNN of the shipped sample (issue #3): three 3×3 conv blocks (32, 64, 128 channels, each ReLU + 2×2 max
/// pool) on a 1×28×28 image, then a 256-unit hidden layer and a linear head; 390,410 parameters with 10 classes,
/// no BatchNorm. State-dict keys: <c>conv1.*</c>, <c>conv2.*</c>, <c>conv3.*</c>, <c>fc.*</c>, <c>head.*</c>.
/// </summary>
public sealed class DigitsCnn : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Conv2d conv3;
    private readonly Linear fc;
    private readonly Linear head;

    /// <summary>Creates the network with freshly initialised weights.</summary>
    public DigitsCnn(int classes = 10) : base(nameof(DigitsCnn))
    {
        conv1 = nn.Conv2d(1, 32, 3, padding: 1);
        conv2 = nn.Conv2d(32, 64, 3, padding: 1);
        conv3 = nn.Conv2d(64, 128, 3, padding: 1);
        fc = nn.Linear(128 * 3 * 3, 256);
        head = nn.Linear(256, classes);
        RegisterComponents();
    }

    /// <summary>Replaces the head with a freshly initialised one (fine-tuning on a new label set).</summary>
    public void ResetHead(int classes)
    {
        var fresh = nn.Linear(256, classes);
        using (no_grad())
        {
            if (head.weight!.shape[0] != classes) throw new ArgumentException("ResetHead keeps the class count; build a new model to change it");
            head.weight.copy_(fresh.weight!);
            head.bias!.copy_(fresh.bias!);
        }
        fresh.Dispose();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.dim() == 3 ? input.unsqueeze(1) : input;
        x = nn.functional.max_pool2d(nn.functional.relu(conv1.forward(x)), 2);
        x = nn.functional.max_pool2d(nn.functional.relu(conv2.forward(x)), 2);
        x = nn.functional.max_pool2d(nn.functional.relu(conv3.forward(x)), 2);
        x = nn.functional.relu(fc.forward(x.flatten(1)));
        return head.forward(x).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv1.Dispose();
            conv2.Dispose();
            conv3.Dispose();
            fc.Dispose();
            head.Dispose();
        }
        base.Dispose(disposing);
    }
}
