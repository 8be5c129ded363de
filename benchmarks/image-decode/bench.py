#!/usr/bin/python3
"""Image decoding and preprocessing: `soup` (SkiaSharp, all cores) against PIL + torchvision on the same JPEGs, and
whether a ResNet-50 evaluation from an image folder is compute-bound (issue #12). Run through run.sh:

    bash benchmarks/image-decode/run.sh [--repeat K]

Cells (fastest of K interleaved runs, default 3):
- decode rate, PIL + torchvision: pil_decode.py over images-256 with a DataLoader of 0 and of 2 worker processes;
- decode rate, soup: `soup eval` of a model that does almost nothing (probe.ts) over images-256 minus the same over
  images-32: 224 images of decoding and preprocessing (--preprocess imagenet), start-up and loading cancelled out;
- ResNet-50: `soup eval` over tensors-64 (the 64 images already decoded): the rate at which a ResNet-50 evaluation
  consumes images on these cores (whole process, so a lower bound), against which the decoding rate is compared.
  (Timing the same evaluation from the folder instead differs from it by less than the machine's noise: decoding 64
  images takes about 0.4 s of a 9–11 s run.)
"""

import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "benchmarks", "common"))
from soupbench import finish, report_head, speed_args  # noqa: E402

THREADS = 2


def wall(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main():
    ap = speed_args(__doc__, HERE, 3)
    args = ap.parse_args()
    w = args.work

    def soup(model, data, *extra):
        return [args.soup, "eval", os.path.join(w, f"{model}.safetensors"), "--model", os.path.join(w, f"{model}.ts"),
                "--heldout", os.path.join(w, data), "--no-cache", "--threads", str(THREADS), "--device", "cpu",
                "--batch-size", "32", *extra]

    def pil(workers):
        out = subprocess.run([sys.executable, os.path.join(HERE, "pil_decode.py"), os.path.join(w, "images-256"), str(workers)],
                             check=True, capture_output=True, text=True).stdout.split()
        return float(out[0])

    cells = {"pil0": lambda: pil(0), "pil2": lambda: pil(2),
             "soup256": lambda: wall(soup("probe", "images-256", "--preprocess", "imagenet")),
             "soup32": lambda: wall(soup("probe", "images-32", "--preprocess", "imagenet")),
             "r50-tensors": lambda: wall(soup("resnet50", "tensors-64.safetensors"))}
    runs = {k: [] for k in cells}
    for k in range(args.repeat):
        for key, run in cells.items():
            runs[key].append(run())
            print(f"  {key:12s} run {k + 1}: {runs[key][-1]:.2f} s", flush=True)
    best = {k: min(v) for k, v in runs.items()}
    soup_decode = best["soup256"] - best["soup32"]
    rate = {"pil0": 256 / best["pil0"], "pil2": 256 / best["pil2"], "soup": 224 / soup_decode}
    r50_rate = 64 / best["r50-tensors"]
    lines = report_head("Image decoding and preprocessing: soup vs PIL + torchvision", THREADS, ROOT)
    lines += ["", "| pipeline | images/s |", "|---|---:|",
              f"| PIL + torchvision, DataLoader in the main process | {rate['pil0']:.0f} |",
              f"| PIL + torchvision, DataLoader with 2 worker processes | {rate['pil2']:.0f} |",
              f"| `soup` (SkiaSharp, decoding in parallel on 2 threads) | {rate['soup']:.0f} |",
              "", f"- soup / PIL (2 workers): **{rate['soup'] / rate['pil2']:.2f}×**",
              "", f"- ResNet-50 `soup eval` of 64 decoded images (batch 32, whole process): {best['r50-tensors']:.2f} s, "
              f"{r50_rate:.1f} images/s; decoding them at soup's rate would take {64 / rate['soup']:.2f} s "
              f"({100 * r50_rate / rate['soup']:.1f} % of the evaluation): compute-bound on these cores",
              "", f"Fastest of {args.repeat} interleaved runs. Test images: 375–500 × 500–640 JPEGs (quality 90), made by `make_data.py`."]
    finish(lines, args.results)


if __name__ == "__main__":
    main()
