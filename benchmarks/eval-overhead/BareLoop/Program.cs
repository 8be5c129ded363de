// The plainest TorchSharp evaluation loop: a TorchScript model, the held-out tensors in memory, batches of B under
// no_grad and inference mode, summed cross-entropy and top-1 hits read back once per batch (as any loop must to
// report them). Prints the seconds of batches 2..K (the first is warm-up) and the mean loss, as JSON.
//   BareLoop MODEL.ts HELDOUT.safetensors BATCH THREADS
using System.Diagnostics;
using System.Globalization;
using Soups.Checkpoints;
using Soups.Checkpoints.Safetensors;
using TorchSharp;

var (modelPath, heldoutPath) = (args[0], args[1]);
var batch = int.Parse(args[2], CultureInfo.InvariantCulture);
torch.set_num_threads(int.Parse(args[3], CultureInfo.InvariantCulture));
using var reader = new SafetensorsReader(heldoutPath, ReadOptions.Default);
using var inputs = reader.Read("inputs");
using var labels = reader.Read("labels");
using var module = torch.jit.load<torch.Tensor, torch.Tensor>(modelPath);
module.eval();
var count = inputs.shape[0];
double lossSum = 0;
long correct = 0;
var clock = new Stopwatch();
using (torch.no_grad())
using (torch.inference_mode())
{
    for (long start = 0, b = 0; start < count; start += batch, b++)
    {
        if (b == 1) clock.Start();
        using var scope = torch.NewDisposeScope();
        var length = Math.Min(batch, count - start);
        var x = inputs.narrow(0, start, length);
        var y = labels.narrow(0, start, length);
        var logits = module.forward(x);
        lossSum += torch.nn.functional.cross_entropy(logits, y, reduction: torch.nn.Reduction.Sum).item<float>();
        correct += logits.argmax(1).eq(y).sum().item<long>();
    }
}
clock.Stop();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{{\"loop_seconds_after_first_batch\": {clock.Elapsed.TotalSeconds:R}, \"loss\": {lossSum / count:R}, \"accuracy\": {(double)correct / count:R}}}"));
