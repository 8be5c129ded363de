#!/usr/bin/python3
"""PyTorch baseline: CPU evaluation speed of a ViT-B/32-shaped CLIP classifier (model-soups layout).

Loads work/vit_b32.pt and work/images.safetensors when they exist (make_work.py writes them), else uses random
init / random images. Runs one warm-up batch, then times the forward passes over all images in batches, and
prints images/second; also the load time and accuracy/loss so the numbers can be set beside `soup eval`.

Almost all of the time is nn.Linear / in_proj (aten::addmm), i.e. BLAS sgemm. Debian's torch is built with
BLAS_INFO=generic and links libblas.so.3, which is the reference (netlib) BLAS unless an optimised one is
installed: ~0.3 images/s on 2 threads. run.sh therefore puts OpenBLAS in front by LD_LIBRARY_PATH (see README).
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

import clip_vit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "common"))
from soupbench import read_safetensors  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--checkpoint", default=os.path.join(HERE, "work", "vit_b32.pt"))
ap.add_argument("--heldout", default=os.path.join(HERE, "work", "images.safetensors"))
ap.add_argument("--images", type=int, default=128, help="when there is no held-out file")
ap.add_argument("--batch-size", type=int, default=32)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--repeats", type=int, default=1, help="timed passes over the images (best is reported)")
ap.add_argument("--json", action="store_true")
a = ap.parse_args()

t0 = time.perf_counter()
torch.set_num_threads(a.threads)
model = clip_vit.ModelWrapper(clip_vit.VIT_B32).eval()
if os.path.exists(a.checkpoint):
    model.load_state_dict(torch.load(a.checkpoint, map_location="cpu"))
    source = a.checkpoint
else:
    clip_vit.init_weights(model, seed=0)
    source = "random init (seed 0)"
if os.path.exists(a.heldout):
    t, _ = read_safetensors(a.heldout)
    x, y = t["inputs"], t["labels"]
else:
    g = torch.Generator().manual_seed(1)
    x = torch.randn(a.images, 3, 224, 224, generator=g)
    y = torch.randint(0, 1000, (a.images,), generator=g)
load_s = time.perf_counter() - t0

with torch.inference_mode():
    t = time.perf_counter()
    model(x[:a.batch_size])
    warm_s = time.perf_counter() - t
    times, logits = [], None
    for _ in range(a.repeats):
        t = time.perf_counter()
        logits = torch.cat([model(x[i:i + a.batch_size]) for i in range(0, len(x), a.batch_size)])
        times.append(time.perf_counter() - t)

def blas_in_use():
    """The BLAS shared library this process mapped (Debian's torch links libblas.so.3: reference BLAS by default)."""
    try:
        with open("/proc/self/maps") as fh:
            libs = {line.split()[-1] for line in fh if "blas" in line.lower() or "mkl" in line.lower()}
        return ", ".join(sorted(l for l in libs if "/" in l)) or "none mapped"
    except OSError:
        return "unknown"


best = min(times)
res = {
    "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_in_use(), "checkpoint": source,
    "images": len(x), "batch_size": a.batch_size, "load_s": round(load_s, 3), "warmup_batch_s": round(warm_s, 3),
    "forward_s": [round(s, 3) for s in times], "images_per_s": round(len(x) / best, 2),
    "accuracy": (logits.argmax(1) == y).float().mean().item(), "loss": F.cross_entropy(logits.double(), y).item(),
}
if a.json:
    print(json.dumps(res))
else:
    print(f"PyTorch {res['torch']}, {res['threads']} threads, ViT-B/32 ({source})")
    print(f"  BLAS: {res['blas']}")
    print(f"  load {load_s:.2f} s, warm-up batch {warm_s:.2f} s")
    print(f"  forward: {len(x)} images in batches of {a.batch_size}: {best:.2f} s -> {res['images_per_s']:.1f} images/s")
    print(f"  accuracy {res['accuracy']:.4f}, loss {res['loss']:.4f}")
