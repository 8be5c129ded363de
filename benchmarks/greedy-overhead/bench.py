#!/usr/bin/python3
"""How much of a greedy soup's wall time goes into forming the candidate soups (issue #12's goal: <= 5 %), on the
shipped digits sample (1.5 MB model) and on ResNet-50 fine-tunes (98 MiB each). Run through run.sh:

    bash benchmarks/greedy-overhead/run.sh [--repeat K]

`soup greedy` measures its own phases (scoring the ingredients, forming each candidate = reading the candidate
ingredient and mixing it into the running soup, scoring the candidates) and writes them to its report
(details.seconds); this script runs it K times (default 3) with an empty results cache and reports the median share.
The ResNet-50 data: torchvision's resnet50() (fixed seed) as the "pretrained" model and 4 fine-tunes = it plus small
noise, as .safetensors; a held-out split of 32 random 224x224 images with random labels (timing only: the accuracies
mean nothing).
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "benchmarks", "common"))
from soupbench import finish, report_head, speed_args, write_safetensors  # noqa: E402

THREADS = 2
N_RESNET = 4


def make_resnet(data):
    stamp = os.path.join(data, "spec.json")
    want = {"version": 1, "n": N_RESNET, "images": 32}
    paths = [os.path.join(data, f"ft{i}.safetensors") for i in range(N_RESNET)]
    heldout = os.path.join(data, "heldout.safetensors")
    if os.path.exists(stamp) and json.load(open(stamp)) == want and all(map(os.path.exists, paths + [heldout])):
        return paths, heldout
    import torch
    import torchvision
    torch.set_num_threads(THREADS)
    os.makedirs(data, exist_ok=True)
    torch.manual_seed(0)
    base = torchvision.models.resnet50().state_dict()
    for i, p in enumerate(paths):
        g = torch.Generator().manual_seed(100 + i)
        sd = {k: (v + 0.001 * torch.randn(v.shape, generator=g)) if v.is_floating_point() else v.clone() for k, v in base.items()}
        write_safetensors(p, sd, {"format": "pt"})
    g = torch.Generator().manual_seed(7)
    write_safetensors(heldout, {"inputs": torch.randn(32, 3, 224, 224, generator=g),
                                "labels": torch.randint(0, 1000, (32,), generator=g)})
    json.dump(want, open(stamp, "w"))
    return paths, heldout


def greedy(soup, inputs, model, heldout, work, tag):
    out = os.path.join(work, f"{tag}.safetensors")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [soup, "greedy", *inputs, "--model", model, "--heldout", heldout, "-o", out, "--force",
               "--results", os.path.join(tmp, "evals.jsonl"), "--device", "cpu", "--threads", str(THREADS), "-q"]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(out + ".report.json") as f:
        return json.load(f)["details"]["seconds"]


def main():
    ap = speed_args(__doc__, HERE, 3)
    args = ap.parse_args()
    digits = os.path.join(ROOT, "samples", "digits")
    sample = sorted(os.path.join(digits, "ingredients", f) for f in os.listdir(os.path.join(digits, "ingredients")))
    resnet, resnet_heldout = make_resnet(os.path.join(args.work, "resnet50"))
    cases = [("digits sample: 12 × 1.5 MiB, 500 held-out images", sample, "digits-cnn", os.path.join(digits, "heldout.safetensors")),
             ("ResNet-50: 4 × 98 MiB, 32 held-out images (224×224)", resnet, "resnet50", resnet_heldout)]
    rows, raw = [], {}
    for label, inputs, model, heldout in cases:
        runs = [greedy(args.soup, inputs, model, heldout, args.work, model) for _ in range(args.repeat)]
        raw[label] = runs
        med = {k: statistics.median(r[k] for r in runs) for k in ("total", "ingredients", "forming_candidates", "scoring_candidates", "forming_share")}
        rows.append((label, len(inputs) - 1, med))
        print(f"{label}: {json.dumps(med)}", flush=True)
    lines = report_head("Greedy soup: the cost of forming candidates", THREADS, ROOT)
    lines += ["", "| model | candidates | greedy's plan | scoring ingredients | forming candidates | scoring candidates | forming share |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for label, n, m in rows:
        lines.append(f"| {label} | {n} | {m['total']:.2f} s | {m['ingredients']:.2f} s | {m['forming_candidates']:.2f} s | "
                     f"{m['scoring_candidates']:.2f} s | **{100 * m['forming_share']:.1f} %** |")
    lines += ["", f"Medians of {args.repeat} runs, each with an empty results cache (goal: forming ≤ 5 % of the run); "
              "raw phase times in `work/results.json`. Forming a candidate reads the candidate ingredient and mixes it into "
              "the running soup, which stays in memory (accepted ingredients are never read again)."]
    finish(lines, args.results, raw, os.path.join(args.work, "results.json"))


if __name__ == "__main__":
    main()
