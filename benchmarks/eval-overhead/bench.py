#!/usr/bin/python3
"""`soup eval` on a TorchScript model against a bare TorchSharp loop over the same model, tensors and batch size
(issue #12's goal: within 5 %). Run through run.sh:  bash benchmarks/eval-overhead/run.sh [--repeat K]

The bare loop (BareLoop/Program.cs) times its batches 2..5 (128 images; the first batch is warm-up) under no_grad and
inference mode. `soup eval` is timed as whole processes on a 160-image and a 32-image split (the same first 32
images): the difference is the same 4 batches of 32, with whatever `soup` does per batch and per image (reading the
split, hashing it for the cache key), and without its start-up and model loading. Both must give the same loss.
"""

import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "benchmarks", "common"))
from soupbench import finish, report_head, speed_args  # noqa: E402

THREADS = 2
BATCH = 32


def timed(cmd):
    t = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - t, out


def main():
    ap = speed_args(__doc__, HERE, 3)
    ap.add_argument("--bare", default=os.path.join(HERE, "work", "bareloop", "BareLoop"))
    args = ap.parse_args()
    w = args.work
    model, ckpt = os.path.join(w, "resnet18.ts"), os.path.join(w, "resnet18.safetensors")
    soup = [args.soup, "eval", ckpt, "--model", model, "--batch-size", str(BATCH), "--no-cache", "--threads", str(THREADS),
            "--device", "cpu", "--json", "--heldout"]
    bare, soup_loop, losses = [], [], set()
    for k in range(args.repeat):
        _, out = timed([args.bare, model, os.path.join(w, "heldout-160.safetensors"), str(BATCH), str(THREADS)])
        r = json.loads(out)
        bare.append(r["loop_seconds_after_first_batch"])
        losses.add(round(r["loss"], 6))
        t160, out = timed(soup + [os.path.join(w, "heldout-160.safetensors")])
        losses.add(round(json.loads(out)["results"][0]["loss"], 6))
        t32, _ = timed(soup + [os.path.join(w, "heldout-32.safetensors")])
        soup_loop.append(t160 - t32)
        print(f"  run {k + 1}: bare loop {bare[-1]:.2f} s, soup eval 160 images {t160:.2f} s - 32 images {t32:.2f} s = {soup_loop[-1]:.2f} s", flush=True)
    if len(losses) != 1:
        sys.exit(f"bench: the loops disagree on the loss: {sorted(losses)}")
    b, s = statistics.median(bare), statistics.median(soup_loop)
    lines = report_head("`soup eval` against a bare TorchSharp loop (ResNet-18 TorchScript, batch 32)", THREADS, ROOT)
    lines += ["", "| loop | 128 images (4 batches of 32) | images/s |", "|---|---:|---:|",
              f"| bare TorchSharp loop (no_grad + inference mode) | {b:.2f} s | {128 / b:.1f} |",
              f"| `soup eval` (whole-process difference, 160 − 32 images) | {s:.2f} s | {128 / s:.1f} |",
              "", f"- soup / bare: **{s / b:.3f}×** (goal: ≤ 1.05×); both give the loss {losses.pop()}",
              f"- medians of {args.repeat} interleaved runs; per run: bare {', '.join(f'{x:.2f}' for x in bare)} s; "
              f"soup {', '.join(f'{x:.2f}' for x in soup_loop)} s"]
    finish(lines, args.results)


if __name__ == "__main__":
    main()
