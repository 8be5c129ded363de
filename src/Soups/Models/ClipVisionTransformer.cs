using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Soups.Models;

/// <summary>Shape of a CLIP vision transformer, as inferred from a checkpoint's tensors.</summary>
public sealed record ClipVisionConfig(int Width, int Layers, int Heads, int Patch, int ImageSize, int EmbedDim, int Classes)
{
    /// <summary>Patches per side.</summary>
    public int Grid => ImageSize / Patch;
}

/// <summary>
/// OpenAI CLIP's image tower with a linear classification head, as fine-tuned in the model-soups paper: patch
/// embedding, class token, positional embedding, ln_pre, pre-LayerNorm residual blocks (multi-head self-attention
/// with packed q/k/v, QuickGELU MLP), ln_post of the class token, projection, L2 normalisation, then the head
/// (issue #5). LayerNorms run in float32 whatever the compute type, as CLIP's own code does.
/// Module keys: <c>visual.*</c> in CLIP's names, <c>head.weight</c>, <c>head.bias</c>.
/// </summary>
public sealed class ClipVisionClassifier : nn.Module<Tensor, Tensor>
{
    private readonly ClipVisual visual;
    private readonly Linear head;

    /// <summary>Creates the network with default-initialised weights.</summary>
    public ClipVisionClassifier(ClipVisionConfig config) : base(nameof(ClipVisionClassifier))
    {
        Config = config;
        visual = new ClipVisual(config);
        head = nn.Linear(config.EmbedDim, config.Classes);
        RegisterComponents();
    }

    /// <summary>The shape this network was built with.</summary>
    public ClipVisionConfig Config { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var features = visual.forward(images);
        features = features / features.norm(-1, keepdim: true);
        return head.forward(features).MoveToOuterDisposeScope();
    }

    private sealed class ClipVisual : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d conv1;
        private readonly Parameter class_embedding;
        private readonly Parameter positional_embedding;
        private readonly LayerNorm ln_pre;
        private readonly ClipTransformer transformer;
        private readonly LayerNorm ln_post;
        private readonly Parameter proj;
        private readonly ClipVisionConfig _config;

        public ClipVisual(ClipVisionConfig config) : base("visual")
        {
            _config = config;
            var scale = 1.0 / Math.Sqrt(config.Width);
            conv1 = nn.Conv2d(3, config.Width, config.Patch, stride: config.Patch, bias: false);
            class_embedding = new Parameter(randn(config.Width) * scale);
            positional_embedding = new Parameter(randn(config.Grid * config.Grid + 1, config.Width) * scale);
            ln_pre = nn.LayerNorm(config.Width);
            transformer = new ClipTransformer(config);
            ln_post = nn.LayerNorm(config.Width);
            proj = new Parameter(randn(config.Width, config.EmbedDim) * scale);
            RegisterComponents();
        }

        public override Tensor forward(Tensor images)
        {
            using var scope = NewDisposeScope();
            var dtype = conv1.weight!.dtype;
            var x = conv1.forward(images.to(dtype));                 // [B, W, g, g]
            x = x.flatten(2).transpose(1, 2);                          // [B, g², W]
            var cls = class_embedding.to(dtype).expand(x.shape[0], 1, _config.Width);
            x = cat([cls, x], 1) + positional_embedding.to(dtype);
            x = LayerNorm32(ln_pre, x);
            x = transformer.forward(x);
            x = LayerNorm32(ln_post, x.select(1, 0));
            return x.matmul(proj).to(float32).MoveToOuterDisposeScope();
        }
    }

    private sealed class ClipTransformer : nn.Module<Tensor, Tensor>
    {
        private readonly ModuleList<ResidualAttentionBlock> resblocks = new();

        public ClipTransformer(ClipVisionConfig config) : base("transformer")
        {
            for (var i = 0; i < config.Layers; i++) resblocks.Add(new ResidualAttentionBlock(config.Width, config.Heads));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            foreach (var block in resblocks) x = block.forward(x);
            return x;
        }
    }

    private sealed class ResidualAttentionBlock : nn.Module<Tensor, Tensor>
    {
        private readonly PackedSelfAttention attn;
        private readonly LayerNorm ln_1;
        private readonly ClipMlp mlp;
        private readonly LayerNorm ln_2;

        public ResidualAttentionBlock(int width, int heads) : base("resblock")
        {
            attn = new PackedSelfAttention(width, heads);
            ln_1 = nn.LayerNorm(width);
            mlp = new ClipMlp(width);
            ln_2 = nn.LayerNorm(width);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            x = x + attn.forward(LayerNorm32(ln_1, x));
            return x + mlp.forward(LayerNorm32(ln_2, x));
        }
    }

    /// <summary>Self-attention with q, k, v packed in one projection, named as torch's nn.MultiheadAttention.</summary>
    private sealed class PackedSelfAttention : nn.Module<Tensor, Tensor>
    {
        private readonly Parameter in_proj_weight;
        private readonly Parameter in_proj_bias;
        private readonly Linear out_proj;
        private readonly int _heads;

        public PackedSelfAttention(int width, int heads) : base("attn")
        {
            _heads = heads;
            in_proj_weight = new Parameter(randn(3 * width, width) / Math.Sqrt(width));
            in_proj_bias = new Parameter(zeros(3 * width));
            out_proj = nn.Linear(width, width);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var (batch, length, width) = (x.shape[0], x.shape[1], x.shape[2]);
            var headDim = width / _heads;
            var qkv = nn.functional.linear(x, in_proj_weight, in_proj_bias).reshape(batch, length, 3, _heads, headDim).permute(2, 0, 3, 1, 4);
            var (q, k, v) = (qkv[0], qkv[1], qkv[2]);                 // [B, H, L, D]
            var weights = (q.matmul(k.transpose(-2, -1)) / Math.Sqrt(headDim)).to(float32).softmax(-1).to(x.dtype);
            var output = weights.matmul(v).transpose(1, 2).reshape(batch, length, width);
            return out_proj.forward(output).MoveToOuterDisposeScope();
        }
    }

    private sealed class ClipMlp : nn.Module<Tensor, Tensor>
    {
        private readonly Linear c_fc;
        private readonly Linear c_proj;

        public ClipMlp(int width) : base("mlp")
        {
            c_fc = nn.Linear(width, 4 * width);
            c_proj = nn.Linear(4 * width, width);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var h = c_fc.forward(x);
            h = h * (h * 1.702).sigmoid(); // QuickGELU
            return c_proj.forward(h).MoveToOuterDisposeScope();
        }
    }

    private static Tensor LayerNorm32(LayerNorm norm, Tensor x) =>
        x.dtype == float32 ? norm.forward(x) : nn.functional.layer_norm(x.to(float32), [x.shape[^1]],
            norm.weight!.to(float32), norm.bias!.to(float32), 1e-5).to(x.dtype);
}
