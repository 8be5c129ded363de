#!/usr/bin/python3
"""Writes work/vit_b32.pt (random ViT-B/32 classifier, model-soups key layout incl. text-side tensors, ~456 MB)
and work/images.safetensors (N random 224x224 images, labels; plus images_first32.safetensors, the
first 32). Skips files that exist unless --force."""
import argparse
import os
import sys
import time

import torch

import clip_vit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "common"))
from soupbench import write_safetensors  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--work", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "work"))
ap.add_argument("--images", type=int, default=128)
ap.add_argument("--force", action="store_true")
a = ap.parse_args()
os.makedirs(a.work, exist_ok=True)
torch.set_num_threads(2)

ckpt = os.path.join(a.work, "vit_b32.pt")
if a.force or not os.path.exists(ckpt):
    t = time.perf_counter()
    m = clip_vit.init_weights(clip_vit.ModelWrapper(clip_vit.VIT_B32), seed=0)
    torch.save(m.state_dict(), ckpt)
    vis = sum(p.numel() for n, p in m.named_parameters() if n.startswith("model.visual."))
    head = sum(p.numel() for n, p in m.named_parameters() if n.startswith("classification_head."))
    total = sum(p.numel() for p in m.parameters())
    print(f"wrote {ckpt}: {os.path.getsize(ckpt) / 1e6:.0f} MB, visual {vis:,} + head {head:,} params "
          f"({total:,} with the text side) in {time.perf_counter() - t:.1f} s")

data = os.path.join(a.work, "images.safetensors")
if a.force or not os.path.exists(data):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(a.images, 3, 224, 224, generator=g)
    y = torch.randint(0, 1000, (a.images,), generator=g, dtype=torch.int64)
    write_safetensors(data, {"inputs": x, "labels": y}, {"format": "pt"})
    print(f"wrote {data}: {a.images} images, {os.path.getsize(data) / 1e6:.0f} MB")
    # the first batch alone: run.sh times soup on both files, so the difference is the forward of the rest
    write_safetensors(os.path.join(a.work, "images_first32.safetensors"), {"inputs": x[:32], "labels": y[:32]},
                      {"format": "pt"})
