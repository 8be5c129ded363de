using Soups.Ingredients;
using TorchSharp;

namespace Soups.Inspection;

/// <summary>
/// Pairwise L2 distances and cosine similarities between ingredients' floating-point weights: a quick look at
/// whether they sit in one basin, the condition under which soups work (Wortsman et al. 2022, section 2).
/// </summary>
public sealed record IngredientGeometry(double[,] Distances, double[,] Cosines, double[] Norms)
{
    /// <summary>
    /// Streams over tensor names; per name it holds the N ingredients' differences from the first ingredient in
    /// float64 (one tensor's worth per ingredient), and accumulates their Gram matrix. Working with differences
    /// keeps distances exact where |a|² + |b|² − 2⟨a,b⟩ would cancel catastrophically.
    /// </summary>
    public static IngredientGeometry Compute(IngredientSet ingredients, torch.Device device,
        IProgress<StepProgress>? progress = null, CancellationToken cancellation = default)
    {
        ingredients.RequireCompatible();
        var n = ingredients.Count;
        var diffGram = new double[n, n];   // <d_i, d_j>, d_i = w_i - w_0
        var baseDot = new double[n];       // <w_0, d_i>
        double baseNorm2 = 0;
        var floats = ingredients.Layout.Where(t => t.IsFloatingPoint).ToList();
        var done = 0;
        foreach (var info in floats)
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            var first = ingredients.Readers[0].Read(info.Name).to(torch.float64, device).flatten();
            var rows = new List<torch.Tensor> { torch.zeros_like(first) };
            for (var i = 1; i < n; i++)
            {
                using var t = ingredients.Readers[i].Read(info.Name);
                rows.Add(t.to(torch.float64, device).flatten() - first);
            }
            var d = torch.stack(rows);
            var gram = d.matmul(d.t()).cpu();
            var dots = d.matmul(first).cpu();
            var g = gram.data<double>().ToArray();
            var b = dots.data<double>().ToArray();
            for (var i = 0; i < n; i++)
            {
                baseDot[i] += b[i];
                for (var j = 0; j < n; j++) diffGram[i, j] += g[i * n + j];
            }
            baseNorm2 += first.dot(first).item<double>();
            progress?.Report(new StepProgress("comparing ingredients", ++done, floats.Count));
        }

        var distances = new double[n, n];
        var cosines = new double[n, n];
        var norms = new double[n];
        // <w_i, w_j> = |w_0|² + <w_0,d_i> + <w_0,d_j> + <d_i,d_j>
        double Dot(int i, int j) => baseNorm2 + baseDot[i] + baseDot[j] + diffGram[i, j];
        for (var i = 0; i < n; i++) norms[i] = Math.Sqrt(Math.Max(0, Dot(i, i)));
        for (var i = 0; i < n; i++)
        for (var j = 0; j < n; j++)
        {
            distances[i, j] = Math.Sqrt(Math.Max(0, diffGram[i, i] + diffGram[j, j] - 2 * diffGram[i, j]));
            cosines[i, j] = norms[i] > 0 && norms[j] > 0 ? Dot(i, j) / (norms[i] * norms[j]) : double.NaN;
        }
        return new IngredientGeometry(distances, cosines, norms);
    }
}
