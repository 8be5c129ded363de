using Soups.Checkpoints;
using Soups.Evaluation;
using Soups.Ingredients;
using Soups.Models;
using TorchSharp;

namespace Soups.Strategies.BuiltIn;

public sealed partial class LearnedSoup
{
    /// <summary>The training loop of a learned soup, over one model and one held-out split.</summary>
    internal sealed class Trainer(IModel model, IHeldOutSplit heldOut, Options options)
    {
        /// <summary>Receives one line per epoch.</summary>
        public Action<string>? OnNote { get; init; }

        public IProgress<StepProgress>? Progress { get; init; }

        /// <summary>Learns the coefficients and the temperature.</summary>
        public Result Train(IngredientSet ingredients, CancellationToken cancellation)
        {
            WeightLoading.RequireMatch(model, ingredients.Layout, ingredients.Readers[0].Path);
            var layout = ingredients.Layout;
            var (parameters, row) = Groups(model, ingredients, options.Granularity);
            if (parameters.Count == 0) throw new UsageException("learned soup: the model has no trainable parameters");
            var groups = options.Granularity == LearnedGranularity.Model ? 1 : parameters.Count;
            var n = ingredients.Count;
            // Everything made here (coefficients, optimizer state, resident ingredients) is released when training ends.
            using var trainScope = torch.NewDisposeScope();

            using var store = IngredientStore.Create(ingredients, model.Device, options.Storage);
            using var logitsA = new TorchSharp.Modules.Parameter(torch.zeros(groups, n, dtype: torch.float32));
            using var beta = new TorchSharp.Modules.Parameter(torch.ones(1, dtype: torch.float32));
            using var optimizer = torch.optim.AdamW([logitsA, beta], options.LearningRate, weight_decay: options.WeightDecay);
            using var generator = new torch.Generator((ulong)options.Seed);
            var epochLoss = new List<double>();
            var steps = 0;

            for (var epoch = 0; epoch < options.Epochs; epoch++)
            {
                double lossSum = 0;
                long seen = 0;
                var groupsPerEpoch = (int)Math.Ceiling(Math.Ceiling(heldOut.Count / (double)options.BatchSize) / options.AccumulateBatches);
                var totalSteps = (long)groupsPerEpoch * options.Epochs;
                foreach (var group in ShuffledBatches(generator).Chunk(options.AccumulateBatches))
                {
                    cancellation.ThrowIfCancellationRequested();
                    Progress?.Report(new StepProgress("learned soup", steps, totalSteps,
                        $"learned soup: epoch {epoch + 1}/{options.Epochs}, step {steps - (long)groupsPerEpoch * epoch + 1}/{groupsPerEpoch}"));
                    using var scope = torch.NewDisposeScope();
                    var (loss, alphaGradient) = LossAndGradient(ingredients, store, logitsA, beta, group, parameters, row);
                    var examples = group.Sum(b => b.Length);
                    lossSum += loss * examples;
                    seen += examples;
                    (logitsA.softmax(1) * alphaGradient).sum().backward();
                    optimizer.step();
                    optimizer.zero_grad();
                    steps++;
                }
                epochLoss.Add(lossSum / Math.Max(1, seen));
                OnNote?.Invoke($"epoch {epoch + 1}/{options.Epochs}: held-out loss {epochLoss[^1]:0.0000}, temperature {beta.item<float>():0.000}");
            }

            using var final = logitsA.detach().softmax(1).to(torch.float64);
            var alphas = Enumerable.Range(0, groups).Select(k =>
            {
                using var rowAlpha = final[k];
                return rowAlpha.data<double>().ToArray();
            }).ToArray();
            var meanAlpha = Enumerable.Range(0, n).Select(i => alphas.Average(a => a[i])).ToArray();
            Dictionary<string, double[]>? perTensor = null;
            if (options.Granularity == LearnedGranularity.Layer)
                perTensor = layout.ToDictionary(t => t.Name, t => row.TryGetValue(t.Name, out var k) ? alphas[k] : meanAlpha);
            return new Result(options.Granularity.ToString().ToLowerInvariant(), store.Storage.ToString().ToLowerInvariant(),
                options.Epochs, steps, options.LearningRate, options.WeightDecay, options.BatchSize, options.AccumulateBatches,
                options.Seed, beta.item<float>(), epochLoss, meanAlpha, perTensor);
        }

        /// <summary>
        /// Batches of example indices in a fresh random order each epoch, drawn from the seeded generator: epoch e uses
        /// the e-th <c>randperm(count)</c> of that generator, cut into batches of the batch size.
        /// </summary>
        private IEnumerable<int[]> ShuffledBatches(torch.Generator generator)
        {
            using var order = torch.randperm(heldOut.Count, generator: generator);
            return order.data<long>().Select(i => (int)i).Chunk(options.BatchSize).ToList();
        }

        /// <summary>
        /// The mean cross-entropy of the soup θ(softmax(a)) with temperature β over the batches of
        /// <paramref name="group"/>, and its gradient with respect to α (not a): one forward/backward at θ gives ∂L/∂θ
        /// (and ∂L/∂β, left in <c>beta.grad</c>); then ∂L/∂α[k, i] = Σ over group k's tensors of ⟨∂L/∂θ, θᵢ⟩.
        /// </summary>
        internal (double Loss, torch.Tensor AlphaGradient) LossAndGradient(IngredientSet ingredients, IngredientStore store,
            torch.Tensor logitsA, torch.Tensor beta, IReadOnlyList<int[]> group, IReadOnlyList<TensorInfo> parameters,
            Dictionary<string, int> row)
        {
            using (var alpha = logitsA.detach().softmax(1)) LoadMix(ingredients, store, alpha, row);
            model.ZeroGradients();
            beta.grad?.zero_();
            var examples = group.Sum(b => b.Length);
            double total = 0;
            foreach (var indices in group)
            {
                using var scope = torch.NewDisposeScope();
                var (inputs, labels) = heldOut.Batch(indices);
                var logits = model.ForwardWithGradients(inputs.to(model.Device)).to(torch.float32);
                var loss = torch.nn.functional.cross_entropy(logits * beta.to(model.Device), labels.to(model.Device),
                    reduction: torch.nn.Reduction.Sum) / examples;
                loss.backward();
                total += loss.item<float>();
            }
            return (total, AlphaGradient(store, parameters, row, (int)logitsA.shape[0], ingredients.Count));
        }

        /// <summary>Which α row each trainable tensor uses: all row 0 per model, one row per tensor by layer.</summary>
        internal static (List<TensorInfo> Parameters, Dictionary<string, int> Row) Groups(IModel model, IngredientSet ingredients,
            LearnedGranularity granularity)
        {
            var parameters = ingredients.Layout.Where(t => t.IsFloatingPoint && model.Parameters.Contains(t.Name)).ToList();
            var row = parameters.Select((t, k) => (t.Name, Row: granularity == LearnedGranularity.Model ? 0 : k))
                .ToDictionary(p => p.Name, p => p.Row);
            return (parameters, row);
        }

        /// <summary>⟨a, b⟩ accumulated in float64, slice by slice, so no float64 copy of a whole tensor is made.</summary>
        private static double Dot(torch.Tensor a, torch.Tensor b)
        {
            const long slice = 1L << 22;
            double sum = 0;
            for (long start = 0, count = a.shape[0]; start < count; start += slice)
            {
                using var scope = torch.NewDisposeScope();
                var length = Math.Min(slice, count - start);
                sum += a.narrow(0, start, length).to(torch.float64).dot(b.narrow(0, start, length).to(torch.float64)).item<double>();
            }
            return sum;
        }

        /// <summary>Puts θ(α) into the model: parameters with their own α row, float buffers with the mean α, integers as stored.</summary>
        private void LoadMix(IngredientSet ingredients, IngredientStore store, torch.Tensor alpha, Dictionary<string, int> row)
        {
            using var meanAlpha = alpha.mean([0]);
            foreach (var info in ingredients.Layout)
            {
                using var scope = torch.NewDisposeScope();
                if (!info.IsFloatingPoint)
                {
                    model.Assign(info.Name, ingredients.Readers[0].Read(info.Name));
                    continue;
                }
                var weights = row.TryGetValue(info.Name, out var k) ? alpha[k] : meanAlpha;
                var values = weights.to(torch.float64).cpu().data<double>().ToArray();
                var mix = torch.zeros(info.Shape, torch.float32, model.Device);
                for (var i = 0; i < values.Length; i++)
                {
                    using var tensor = store.Get(i, info);
                    mix.add_(tensor, values[i]);
                }
                model.Assign(info.Name, mix);
            }
        }

        /// <summary>∂L/∂α[k, i] = Σ over the tensors of group k of ⟨∂L/∂θ, θᵢ⟩, accumulated in float64.</summary>
        private torch.Tensor AlphaGradient(IngredientStore store, IReadOnlyList<TensorInfo> parameters, Dictionary<string, int> row,
            int groups, int n)
        {
            var gradient = new double[groups, n];
            foreach (var info in parameters)
            {
                using var g = model.Gradient(info.Name);
                if (g is null) continue; // a parameter the forward pass does not use
                using var gFlat = g.flatten();
                for (var i = 0; i < n; i++)
                {
                    using var ingredient = store.Get(i, info);
                    using var flat = ingredient.flatten();
                    gradient[row[info.Name], i] += Dot(gFlat, flat);
                }
            }
            return torch.tensor(gradient, torch.float32);
        }
    }
}
