using System.Diagnostics;
using System.Globalization;
using DigitsSweep;
using Soups.Models;
using TorchSharp;

// Makes the sample sweep of samples/digits (issue #3):
//   pretrain --fashion-mnist DIR   DigitsCnn on Fashion-MNIST, 2 epochs -> pretrained/fashion-cnn.safetensors
//   finetune [--from-scratch]      12 fine-tunes on 300 digits -> ingredients/ (or from-scratch/), plus the splits
//   start                          the point every fine-tune starts from: the pretrained CNN with the fresh head
//                                  -> pretrained/start.safetensors (the base for soup's task-vector strategies)
var sample = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../digits"));
if (!Directory.Exists(sample)) sample = Path.GetFullPath("samples/digits");
var command = args.FirstOrDefault() ?? "";
torch.set_num_threads(int.TryParse(Option("--threads"), out var threads) ? threads : 2);
var clock = Stopwatch.StartNew();

switch (command)
{
    case "pretrain":
    {
        var folder = Option("--fashion-mnist") ?? "/usr/share/datasets/fashion-mnist";
        using var trainX = Datasets.IdxImages(Path.Combine(folder, "train-images-idx3-ubyte.gz"));
        using var trainY = Datasets.IdxLabels(Path.Combine(folder, "train-labels-idx1-ubyte.gz"));
        using var testX = Datasets.IdxImages(Path.Combine(folder, "t10k-images-idx3-ubyte.gz"));
        using var testY = Datasets.IdxLabels(Path.Combine(folder, "t10k-labels-idx1-ubyte.gz"));
        torch.manual_seed(0);
        using var model = new DigitsCnn();
        Training.Train(model, trainX, trainY, new RunSettings(1e-3, 2, 64, 0, false), Console.WriteLine);
        Console.WriteLine($"Fashion-MNIST test accuracy: {Training.Accuracy(model, testX, testY):0.0000} ({clock.Elapsed.TotalSeconds:0} s)");
        StateFiles.Write(Path.Combine(sample, "pretrained", "fashion-cnn.safetensors"), model.state_dict());
        break;
    }
    case "finetune":
    {
        var fromScratch = args.Contains("--from-scratch");
        var output = Path.Combine(sample, fromScratch ? "from-scratch" : "ingredients");
        Directory.CreateDirectory(output);
        var (inputs, labels) = Datasets.Digits(Path.Combine(sample, "data", "digits.csv.gz"));
        // One fixed split: 300 train, 500 held-out, 997 test.
        using var generator = new torch.Generator(0);
        using var order = torch.randperm(labels.shape[0], generator: generator);
        (torch.Tensor X, torch.Tensor Y) Take(long start, long length)
        {
            using var index = order.narrow(0, start, length);
            return (inputs.index_select(0, index), labels.index_select(0, index));
        }
        var (trainX, trainY) = Take(0, 300);
        var (heldOutX, heldOutY) = Take(300, 500);
        var (testX, testY) = Take(800, labels.shape[0] - 800);
        StateFiles.Write(Path.Combine(sample, "heldout.safetensors"), new Dictionary<string, torch.Tensor> { ["inputs"] = heldOutX, ["labels"] = heldOutY });
        StateFiles.Write(Path.Combine(sample, "test.safetensors"), new Dictionary<string, torch.Tensor> { ["inputs"] = testX, ["labels"] = testY });

        var pretrained = fromScratch ? null : StateFiles.Read(Path.Combine(sample, "pretrained", "fashion-cnn.safetensors"));
        var runIndex = 0;
        foreach (var lr in new[] { 1e-4, 3e-4, 1e-3 })
        foreach (var (name, seed, augment) in new[] { ("s1", 1, false), ("s2", 2, false), ("a1", 1, true), ("a2", 2, true) })
        {
            // From scratch, every run has its own random start: no shared basin, the condition under which soups fail.
            using var model = StartingPoint(pretrained, runIndex++);
            Training.Train(model, trainX, trainY, new RunSettings(lr, 15, 32, seed, augment));
            var file = $"ft-lr{lr.ToString("0e0", CultureInfo.InvariantCulture)}-{name}.safetensors";
            StateFiles.Write(Path.Combine(output, file), model.state_dict());
            Console.WriteLine($"{file}: held-out {Training.Accuracy(model, heldOutX, heldOutY):0.0000}, test {Training.Accuracy(model, testX, testY):0.0000}");
        }
        Console.WriteLine($"done in {clock.Elapsed.TotalSeconds:0} s -> {output}");
        break;
    }
    case "start":
    {
        using var model = StartingPoint(StateFiles.Read(Path.Combine(sample, "pretrained", "fashion-cnn.safetensors")), 0);
        StateFiles.Write(Path.Combine(sample, "pretrained", "start.safetensors"), model.state_dict());
        Console.WriteLine($"-> {Path.Combine(sample, "pretrained", "start.safetensors")}");
        break;
    }
    default:
        Console.Error.WriteLine("usage: DigitsSweep pretrain [--fashion-mnist DIR] | finetune [--from-scratch] | start [--threads N]");
        return 2;
}
return 0;

// A run's starting point: the pretrained weights (or, from scratch, run i's own random ones) with the fresh head
// every run shares (seed 42).
static DigitsCnn StartingPoint(Dictionary<string, torch.Tensor>? pretrained, int runIndex)
{
    torch.manual_seed(1000 + runIndex);
    var model = new DigitsCnn();
    if (pretrained != null) model.load_state_dict(pretrained);
    torch.manual_seed(42);
    model.ResetHead(10);
    return model;
}

string? Option(string name)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}
