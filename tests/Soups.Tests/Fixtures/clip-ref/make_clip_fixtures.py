"""Reference fixtures for soup's built-in CLIP ViT (issue #5), made with Debian's PyTorch.

Run: /usr/bin/python3 tests/Soups.Tests/Fixtures/clip-ref/make_clip_fixtures.py
Writes, next to this script, small checkpoints in the model-soups key layout (model.visual.*, classification_head.*,
plus the unused text-side tensors), inputs, and the logits/accuracies this independent PyTorch forward pass gives.
"""
import json
import os
import struct
from collections import OrderedDict

import torch
import torch.nn.functional as F

torch.set_num_threads(2)
HERE = os.path.dirname(os.path.abspath(__file__))


def init_state(width, layers, patch, image, embed, classes, vocab, text_width, seed):
    g = torch.Generator().manual_seed(seed)

    def normal(*shape, std=0.02):
        return torch.randn(*shape, generator=g) * std

    def norm_pair(n):
        return 1.0 + normal(n, std=0.1), normal(n, std=0.05)

    grid = image // patch
    sd = OrderedDict()
    sd["model.positional_embedding"] = normal(77, text_width, std=0.01)
    sd["model.text_projection"] = normal(text_width, embed)
    sd["model.logit_scale"] = torch.tensor(4.6052)
    sd["model.visual.class_embedding"] = normal(width, std=0.1)
    sd["model.visual.positional_embedding"] = normal(grid * grid + 1, width, std=0.1)
    sd["model.visual.proj"] = normal(width, embed, std=width ** -0.5)
    sd["model.visual.conv1.weight"] = normal(width, 3, patch, patch, std=0.05)
    sd["model.visual.ln_pre.weight"], sd["model.visual.ln_pre.bias"] = norm_pair(width)
    for i in range(layers):
        p = f"model.visual.transformer.resblocks.{i}."
        sd[p + "attn.in_proj_weight"] = normal(3 * width, width, std=width ** -0.5)
        sd[p + "attn.in_proj_bias"] = normal(3 * width)
        sd[p + "attn.out_proj.weight"] = normal(width, width, std=width ** -0.5)
        sd[p + "attn.out_proj.bias"] = normal(width)
        sd[p + "ln_1.weight"], sd[p + "ln_1.bias"] = norm_pair(width)
        sd[p + "mlp.c_fc.weight"] = normal(4 * width, width, std=width ** -0.5)
        sd[p + "mlp.c_fc.bias"] = normal(4 * width)
        sd[p + "mlp.c_proj.weight"] = normal(width, 4 * width, std=(4 * width) ** -0.5)
        sd[p + "mlp.c_proj.bias"] = normal(width)
        sd[p + "ln_2.weight"], sd[p + "ln_2.bias"] = norm_pair(width)
    sd["model.visual.ln_post.weight"], sd["model.visual.ln_post.bias"] = norm_pair(width)
    sd["model.token_embedding.weight"] = normal(vocab, text_width)
    sd["model.ln_final.weight"], sd["model.ln_final.bias"] = norm_pair(text_width)
    sd["classification_head.weight"] = normal(classes, embed, std=1.0)
    sd["classification_head.bias"] = normal(classes, std=0.1)
    return sd


def forward(sd, images, heads):
    """CLIP's VisionTransformer + L2-normalised features + linear head, written out op by op."""
    v = "model.visual."
    width = sd[v + "class_embedding"].shape[0]
    patch = sd[v + "conv1.weight"].shape[2]
    x = F.conv2d(images, sd[v + "conv1.weight"], stride=patch)
    x = x.flatten(2).transpose(1, 2)
    cls = sd[v + "class_embedding"].expand(x.shape[0], 1, width)
    x = torch.cat([cls, x], 1) + sd[v + "positional_embedding"]
    ln = lambda t, name: F.layer_norm(t, (width,), sd[name + ".weight"], sd[name + ".bias"], 1e-5)
    x = ln(x, v + "ln_pre")
    layers = len({k.split(".")[4] for k in sd if k.startswith(v + "transformer.resblocks.")})
    for i in range(layers):
        p = f"{v}transformer.resblocks.{i}."
        h = ln(x, p + "ln_1").transpose(0, 1)  # [L, B, W], as CLIP feeds nn.MultiheadAttention
        h, _ = F.multi_head_attention_forward(
            h, h, h, width, heads, sd[p + "attn.in_proj_weight"], sd[p + "attn.in_proj_bias"], None, None, False, 0.0,
            sd[p + "attn.out_proj.weight"], sd[p + "attn.out_proj.bias"], training=False, need_weights=False)
        x = x + h.transpose(0, 1)
        h = F.linear(ln(x, p + "ln_2"), sd[p + "mlp.c_fc.weight"], sd[p + "mlp.c_fc.bias"])
        h = h * torch.sigmoid(1.702 * h)
        x = x + F.linear(h, sd[p + "mlp.c_proj.weight"], sd[p + "mlp.c_proj.bias"])
    x = ln(x[:, 0, :], v + "ln_post") @ sd[v + "proj"]
    x = x / x.norm(dim=-1, keepdim=True)
    return F.linear(x, sd["classification_head.weight"], sd["classification_head.bias"])


def write_safetensors(path, tensors):
    codes = {torch.float32: "F32", torch.int64: "I64"}
    header, offset, blobs = {"__metadata__": {"format": "pt"}}, 0, []
    for name, t in tensors.items():
        data = t.contiguous().numpy().tobytes()
        header[name] = {"dtype": codes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def labelled(sd, images, heads, agree, seed):
    with torch.no_grad():
        logits = forward(sd, images, heads)
    labels = logits.argmax(1)
    g = torch.Generator().manual_seed(seed)
    labels[agree:] = torch.randint(0, logits.shape[1], (images.shape[0] - agree,), generator=g)
    return logits, labels


def score(sd, images, labels, heads):
    with torch.no_grad():
        logits = forward(sd, images, heads)
    return {"accuracy": (logits.argmax(1) == labels).double().mean().item(),
            "loss": F.cross_entropy(logits, labels).item(),
            "correct": int((logits.argmax(1) == labels).sum())}


def main():
    torch.manual_seed(0)
    tiny = dict(width=64, layers=2, patch=8, image=32, embed=32, classes=10, vocab=50, text_width=32)
    small2 = dict(width=128, layers=1, patch=16, image=48, embed=64, classes=5, vocab=20, text_width=16)
    base = init_state(**tiny, seed=0)
    torch.save(base, os.path.join(HERE, "clip_tiny_base.pt"))
    other = init_state(**small2, seed=1)
    torch.save(other, os.path.join(HERE, "clip_small2.pt"))

    x = torch.randn(16, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    logits, labels = labelled(base, x, 1, 10, 3)
    write_safetensors(os.path.join(HERE, "clip_inputs.safetensors"), {"inputs": x, "labels": labels, "logits": logits})
    x2 = torch.randn(4, 3, 48, 48, generator=torch.Generator().manual_seed(4))
    logits2, labels2 = labelled(other, x2, 2, 4, 5)
    write_safetensors(os.path.join(HERE, "clip_small2_inputs.safetensors"), {"inputs": x2, "labels": labels2, "logits": logits2})

    heldout = torch.randn(64, 3, 32, 32, generator=torch.Generator().manual_seed(2))
    _, hl = labelled(base, heldout, 1, 48, 6)
    write_safetensors(os.path.join(HERE, "clip_heldout.safetensors"), {"inputs": heldout, "labels": hl})

    expected = {"torch": torch.__version__, "tiny": tiny, "small2": small2, "fine_tunes": {}}
    tunes = []
    for i in range(4):
        g = torch.Generator().manual_seed(10 + i)
        sd = OrderedDict((k, v + torch.randn(v.shape, generator=g) * 0.01 * (1 + i)) for k, v in base.items())
        torch.save(sd, os.path.join(HERE, f"clip_tiny_ft{i}.pt"))
        tunes.append(sd)
        expected["fine_tunes"][f"clip_tiny_ft{i}.pt"] = score(sd, heldout, hl, 1)
    soup = OrderedDict((k, torch.stack([t[k].double() for t in tunes]).mean(0).float()) for k in base)
    expected["uniform"] = score(soup, heldout, hl, 1)
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2)
    for name in sorted(os.listdir(HERE)):
        print(f"{os.path.getsize(os.path.join(HERE, name)):>9}  {name}")


if __name__ == "__main__":
    main()
