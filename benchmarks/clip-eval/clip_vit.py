"""CLIP ViT image classifier in the "Model soups" checkpoint layout (plain PyTorch, no open_clip).

Same architecture and key names as tests/Soups.Tests/Fixtures/clip/make_clip_fixtures.py: OpenAI CLIP's
VisionTransformer (text transformer deleted, other text-side tensors kept) wrapped as `model`, plus
`classification_head` (Linear) on L2-normalised image features. The safetensors files beside it are written and
read with benchmarks/common/soupbench.py.
"""
import math
from collections import OrderedDict

import torch
import torch.nn as nn

VIT_B32 = dict(width=768, layers=12, patch=32, image=224, embed_dim=512, classes=1000,
               vocab=49408, text_width=512, context=77)


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.attn = nn.MultiheadAttention(width, heads)  # [seq, batch, width], as in CLIP
        self.ln_1 = nn.LayerNorm(width, eps=1e-5)
        self.mlp = nn.Sequential(OrderedDict([("c_fc", nn.Linear(width, 4 * width)), ("gelu", QuickGELU()),
                                              ("c_proj", nn.Linear(4 * width, width))]))
        self.ln_2 = nn.LayerNorm(width, eps=1e-5)

    def forward(self, x):
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, width, layers, heads):
        super().__init__()
        self.resblocks = nn.Sequential(*[ResidualAttentionBlock(width, heads) for _ in range(layers)])

    def forward(self, x):
        return self.resblocks(x)


class VisionTransformer(nn.Module):
    def __init__(self, image, patch, width, layers, embed_dim):
        super().__init__()
        grid = image // patch
        self.conv1 = nn.Conv2d(3, width, kernel_size=patch, stride=patch, bias=False)
        self.class_embedding = nn.Parameter(torch.empty(width))
        self.positional_embedding = nn.Parameter(torch.empty(grid * grid + 1, width))
        self.ln_pre = nn.LayerNorm(width, eps=1e-5)
        self.transformer = Transformer(width, layers, width // 64)
        self.ln_post = nn.LayerNorm(width, eps=1e-5)
        self.proj = nn.Parameter(torch.empty(width, embed_dim))

    def forward(self, x):
        x = self.conv1(x)
        x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
        cls = self.class_embedding + torch.zeros(x.shape[0], 1, x.shape[-1], dtype=x.dtype)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding
        x = self.ln_pre(x).permute(1, 0, 2)
        x = self.transformer(x).permute(1, 0, 2)
        return self.ln_post(x[:, 0, :]) @ self.proj


class CLIPImageOnly(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.visual = VisionTransformer(c["image"], c["patch"], c["width"], c["layers"], c["embed_dim"])
        self.token_embedding = nn.Embedding(c["vocab"], c["text_width"])
        self.positional_embedding = nn.Parameter(torch.empty(c["context"], c["text_width"]))
        self.ln_final = nn.LayerNorm(c["text_width"], eps=1e-5)
        self.text_projection = nn.Parameter(torch.empty(c["text_width"], c["embed_dim"]))
        self.logit_scale = nn.Parameter(torch.ones([]) * math.log(1 / 0.07))


class ModelWrapper(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.model = CLIPImageOnly(c)
        self.classification_head = nn.Linear(c["embed_dim"], c["classes"])

    def forward(self, images):
        f = self.model.visual(images)
        return self.classification_head(f / f.norm(dim=-1, keepdim=True))


@torch.no_grad()
def init_weights(m, seed):
    """CLIP-like scales: weights N(0, fan_in^-0.5), biases N(0, 0.02), LayerNorm 1/0 + N(0, 0.1)."""
    g = torch.Generator().manual_seed(seed)
    for name, p in m.named_parameters():
        n = lambda std: torch.randn(p.shape, generator=g) * std  # noqa: E731
        leaf = name.split(".")[-2] if "." in name else ""
        if name.endswith("logit_scale"):
            p.fill_(math.log(1 / 0.07))
        elif leaf.startswith("ln_"):
            p.copy_((1.0 if name.endswith("weight") else 0.0) + n(0.1))
        elif name.endswith("class_embedding") or name == "model.visual.positional_embedding":
            p.copy_(n(0.1))
        elif name in ("model.visual.proj", "model.text_projection"):
            p.copy_(n(p.shape[0] ** -0.5))
        elif name in ("model.positional_embedding", "model.token_embedding.weight"):
            p.copy_(n(0.02))
        elif name.endswith("weight"):
            p.copy_(n(p[0].numel() ** -0.5))
        else:
            p.copy_(n(0.02))
    return m
