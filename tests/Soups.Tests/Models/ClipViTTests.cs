using Soups.Checkpoints;
using Soups.Models;
using TorchSharp;

namespace Soups.Tests.Models;

public class ClipViTTests
{
    /// <summary>The key layout of the paper's CLIP ViT-B/32 ImageNet fine-tunes (model-soups), shapes only.</summary>
    internal static List<TensorInfo> ViTB32Layout()
    {
        var f = torch.ScalarType.Float32;
        var layout = new List<TensorInfo>
        {
            new("model.positional_embedding", f, [77, 512]),
            new("model.text_projection", f, [512, 512]),
            new("model.logit_scale", f, []),
            new("model.visual.class_embedding", f, [768]),
            new("model.visual.positional_embedding", f, [50, 768]),
            new("model.visual.proj", f, [768, 512]),
            new("model.visual.conv1.weight", f, [768, 3, 32, 32]),
            new("model.visual.ln_pre.weight", f, [768]),
            new("model.visual.ln_pre.bias", f, [768]),
        };
        for (var i = 0; i < 12; i++)
        {
            var p = $"model.visual.transformer.resblocks.{i}.";
            layout.AddRange([
                new(p + "attn.in_proj_weight", f, [2304, 768]), new(p + "attn.in_proj_bias", f, [2304]),
                new(p + "attn.out_proj.weight", f, [768, 768]), new(p + "attn.out_proj.bias", f, [768]),
                new(p + "ln_1.weight", f, [768]), new(p + "ln_1.bias", f, [768]),
                new(p + "mlp.c_fc.weight", f, [3072, 768]), new(p + "mlp.c_fc.bias", f, [3072]),
                new(p + "mlp.c_proj.weight", f, [768, 3072]), new(p + "mlp.c_proj.bias", f, [768]),
                new(p + "ln_2.weight", f, [768]), new(p + "ln_2.bias", f, [768]),
            ]);
        }
        layout.AddRange([
            new("model.visual.ln_post.weight", f, [768]), new("model.visual.ln_post.bias", f, [768]),
            new("model.token_embedding.weight", f, [49408, 512]),
            new("model.ln_final.weight", f, [512]), new("model.ln_final.bias", f, [512]),
            new("classification_head.weight", f, [1000, 512]), new("classification_head.bias", f, [1000]),
        ]);
        return layout;
    }

    [Fact]
    public void A_full_size_ViT_B32_layout_is_inferred_and_its_state_dict_loads()
    {
        var layout = ViTB32Layout();
        var family = new ClipViTFamily();
        var (config, visual, head) = family.Infer(layout);
        Assert.Equal(new ClipVisionConfig(768, 12, 12, 32, 224, 512, 1000), config);
        Assert.Equal("model.visual.", visual);
        Assert.Equal("classification_head.", head);

        using var model = family.Create(layout, torch.CPU);
        WeightLoading.RequireMatch(model, layout, "ViT-B/32 layout");
        // The text tower is carried, not trained.
        Assert.DoesNotContain("model.token_embedding.weight", model.Parameters);
        Assert.Contains("model.visual.transformer.resblocks.11.mlp.c_proj.weight", model.Parameters);
        var visualParameters = layout.Where(t => t.Name.StartsWith("model.visual.", StringComparison.Ordinal)).Sum(t => t.ElementCount);
        Assert.Equal(87_849_216, visualParameters);
        using var logits = model.Forward(torch.randn(1, 3, 224, 224));
        Assert.Equal([1L, 1000L], logits.shape);
    }

    [Fact]
    public void Prefixes_can_be_named_when_the_wrapper_uses_other_names()
    {
        var layout = ViTB32Layout().Select(t => t with
        {
            Name = t.Name.Replace("model.visual.", "backbone.").Replace("classification_head.", "fc."),
        }).ToList();
        var (config, visual, head) = new ClipViTFamily().Infer(layout);
        Assert.Equal("backbone.", visual);
        Assert.Equal("fc.", head);
        var named = (ClipViTFamily)KnownModels.Resolve("clip-vit:visual=backbone.,head=fc.,heads=8");
        Assert.Equal(8, named.Infer(layout).Config.Heads);
        Assert.Equal(config with { Heads = 8 }, named.Infer(layout).Config);
    }
}
