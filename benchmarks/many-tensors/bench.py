#!/usr/bin/python3
"""Wall time of `soup uniform` of 3 checkpoints that hold very many tiny tensors (100k and 1M, a few floats each)
against a PyTorch loop doing the same mean, in the same run. Run through run.sh (which builds soup first):

    bash benchmarks/many-tensors/run.sh [--repeat K] [--sizes 100000,1000000]

The data is made on first use under work/data (3 files per size, about 100 MB each at 1M tensors: the header is most
of it). Each command runs in its own process under the measuring wrapper of benchmarks/common/soupbench.py, the page
cache warmed first, every cell K times (default 3) interleaved; the table gives the fastest run and the median.
Every soup is checked bit for bit against the PyTorch mean.

Modes (the first argument):
  (none) / run   make data if needed, measure, check, write RESULTS.md
  baseline       the PyTorch mean (run as a measured child): baseline OUT IN...
"""

import json
import os
import statistics
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "benchmarks", "common"))
from soupbench import (command_line, data_is_current, finish, measure, read_safetensors, report_head,  # noqa: E402
                       speed_args, warm_page_cache, write_safetensors)

THREADS = 2
FILES = 3
SIZES = (100_000, 1_000_000)
SPEC_VERSION = 1

# A block of 8 tensors repeated: transformer-like names, shapes of 2-6 floats, and an int64 step counter (as BatchNorm's
# num_batches_tracked) that a soup keeps rather than averages. Short names keep a 1M-tensor header near 70 MB.
BLOCK = [("q", "F32", [2, 2]), ("k", "F32", [2, 2]), ("v", "F32", [2, 2]), ("o", "F32", [2, 2]),
         ("n.w", "F32", [3]), ("n.b", "F32", [3]), ("fc", "F32", [2, 3]), ("steps", "I64", [])]


def spec(n):
    """[(name, safetensors dtype, shape)] of a checkpoint with n tensors."""
    return [(f"m.{i // len(BLOCK)}.{BLOCK[i % len(BLOCK)][0]}",) + BLOCK[i % len(BLOCK)][1:] for i in range(n)]


def make_checkpoint(path, n, seed):
    """
    Writes a safetensors file of spec(n) with random floats (and the same step count in every file) straight from one
    numpy buffer: soupbench.write_safetensors takes a tensor per entry, which at 1M entries is slow to set up.
    """
    import numpy as np
    rng = np.random.default_rng(seed)
    header, offset, floats, ints = {}, 0, 0, 0
    entries = spec(n)
    for name, dtype, shape in entries:
        count = 1
        for d in shape:
            count *= d
        size = count * (4 if dtype == "F32" else 8)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
        if dtype == "F32":
            floats += count
        else:
            ints += count
    values = rng.standard_normal(floats).astype("<f4")
    data = bytearray(offset)
    f = 0
    step = struct.pack("<q", 1000)
    for name, dtype, shape in entries:
        b, e = header[name]["data_offsets"]
        if dtype == "F32":
            k = (e - b) // 4
            data[b:e] = values[f:f + k].tobytes()
            f += k
        else:
            data[b:e] = step
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as out:
        out.write(struct.pack("<Q", len(blob)))
        out.write(blob)
        out.write(data)
    os.replace(tmp, path)


def generate(data_dir, sizes):
    """{size: [paths]}: FILES checkpoints per size, each size made unless its stamp says its files are current."""
    os.makedirs(data_dir, exist_ok=True)
    paths = {n: [os.path.join(data_dir, f"n{n}-{i}.safetensors") for i in range(FILES)] for n in sizes}
    for n, ps in paths.items():
        stamp = os.path.join(data_dir, f"n{n}.stamp.json")
        want = {"version": SPEC_VERSION, "files": FILES, "tensors": n}
        if data_is_current(stamp, want, ps):
            continue
        for i, p in enumerate(ps):
            print(f"making {os.path.relpath(p, ROOT)} ({n:,} tensors) ...", flush=True)
            make_checkpoint(p, n, seed=1000 * i + 7)
        with open(stamp, "w") as f:
            json.dump(want, f)
    return paths


# --------------------------------------------------------------------------------------------------------------
# The PyTorch baseline (a measured child: bench.py baseline OUT IN...): what a user's loop does, tensor by tensor.
# --------------------------------------------------------------------------------------------------------------
def baseline(out, inputs):
    """Prints its phases' seconds as JSON: reading (soupbench's pure-Python reader), the mean, writing."""
    import time
    import torch
    torch.set_num_threads(THREADS)
    phases = {"read_s": 0.0, "mean_s": 0.0}
    sums, first = {}, None
    for path in inputs:
        t0 = time.perf_counter()
        state, _ = read_safetensors(path)
        t1 = time.perf_counter()
        if first is None:
            first = state
        for name, t in state.items():
            if t.is_floating_point():
                if name in sums:
                    sums[name].add_(t.double())
                else:
                    sums[name] = t.double()
        phases["read_s"] += t1 - t0
        phases["mean_s"] += time.perf_counter() - t1
    t0 = time.perf_counter()
    soup = {name: (sums[name] / len(inputs)).to(t.dtype) if t.is_floating_point() else t for name, t in first.items()}
    t1 = time.perf_counter()
    write_safetensors(out, soup)
    phases["mean_s"] += t1 - t0
    phases["write_s"] = time.perf_counter() - t1
    print(json.dumps(phases))


# --------------------------------------------------------------------------------------------------------------
# The check: every tensor of the soup equals the baseline's, bit for bit (headers parsed, data sections compared).
# --------------------------------------------------------------------------------------------------------------
def tensors_of(path):
    """({name: (dtype, shape, bytes)}) of a safetensors file, without a tensor per entry."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    header.pop("__metadata__", None)
    return {name: (h["dtype"], h["shape"], data[h["data_offsets"][0]:h["data_offsets"][1]]) for name, h in header.items()}


def check(soup_path, reference_path):
    """An error message, or None when both files hold the same tensors with the same bytes."""
    soup, ref = tensors_of(soup_path), tensors_of(reference_path)
    if soup.keys() != ref.keys():
        return f"{soup_path}: {len(soup)} tensors, the reference {len(ref)}, or other names"
    for name, value in ref.items():
        if soup[name] != value:
            return f"{soup_path}: tensor '{name}' differs from the PyTorch mean"
    return None


def main():
    ap = speed_args(__doc__, HERE, 3)
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="tensor counts, comma-separated")
    ap.add_argument("--label", default="soup", help="the soup cells' name in the table (e.g. `soup before`)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    data = generate(os.path.join(args.work, "data"), sizes)
    out = os.path.join(args.work, "out")
    logs = os.path.join(args.work, "logs")
    os.makedirs(out, exist_ok=True)
    # The recipe's input hashes are computed on every run (SOUP_CACHE_DIR=off): the worst case, and a few MB per file.
    soup = ["env", "SOUP_CACHE_DIR=off", args.soup, "uniform", "--device", "cpu", "--threads", str(THREADS), "--json", "--force"]
    cells = []
    for n in sizes:
        cells.append((f"soup-{n}", f"`{args.label} uniform` of {FILES} files of {n:,} tensors → .safetensors",
                      soup + data[n] + ["-o", os.path.join(out, f"soup-{n}.safetensors")], n))
        cells.append((f"torch-{n}", f"PyTorch: read, float64 mean, write, {FILES} files of {n:,} tensors",
                      [sys.executable, os.path.abspath(__file__), "baseline", os.path.join(out, f"torch-{n}.safetensors")]
                      + data[n], n))
    warm_page_cache([p for ps in data.values() for p in ps])
    runs = {key: [] for key, _, _, _ in cells}
    rss = {key: [] for key, _, _, _ in cells}
    phases = {n: [] for n in sizes}
    for k in range(args.repeat):
        for key, _, argv, n in cells:
            r = measure(argv, f"{key}-{k}", logs, THREADS)
            runs[key].append(r["wall_s"])
            rss[key].append(r["maxrss_kib"] / 1024)
            if key.startswith("torch-"):
                phases[n].append(json.loads(r["stdout"].strip().splitlines()[-1]))
            print(f"  {key:14s} run {k + 1}: {r['wall_s']:.2f} s, {rss[key][-1]:.0f} MiB", flush=True)
    best = {key: min(v) for key, v in runs.items()}

    checks = []
    for n in sizes:
        problem = check(os.path.join(out, f"soup-{n}.safetensors"), os.path.join(out, f"torch-{n}.safetensors"))
        if problem:
            sys.exit("bench: " + problem)
        checks.append(f"{n:,} tensors: every tensor bit-identical to the PyTorch mean")

    lines = report_head("`soup uniform` of checkpoints with many tiny tensors", THREADS, ROOT)
    lines += ["", "| command | fastest | median | peak RSS (median) |", "|---|---:|---:|---:|"]
    for key, label, _, _ in cells:
        lines.append(f"| {label} | {best[key]:.2f} s | {statistics.median(runs[key]):.2f} s | {statistics.median(rss[key]):.0f} MiB |")
    lines.append("")
    for n in sizes:
        p = {phase: statistics.median(x[phase] for x in phases[n]) for phase in ("read_s", "mean_s", "write_s")}
        lines.append(f"- {n:,} tensors: soup / PyTorch **{best[f'soup-{n}'] / best[f'torch-{n}']:.2f}×**; the PyTorch "
                     f"process's own phases (medians): reading {p['read_s']:.1f} s, the mean {p['mean_s']:.1f} s, "
                     f"writing {p['write_s']:.1f} s")
    if len(sizes) > 1:
        lo, hi = min(sizes), max(sizes)
        growth = best[f"soup-{hi}"] / best[f"soup-{lo}"]
        lines.append(f"- soup's time from {lo:,} to {hi:,} tensors ({hi // lo}× as many): **{growth:.1f}×** (linear: {hi // lo}×)")
    lines += ["", "Checked: " + "; ".join(checks) + ".",
              "", f"Fastest of {args.repeat} interleaved runs; raw times in `work/results.json`."]
    finish(lines, args.results, runs, os.path.join(args.work, "results.json"))


if __name__ == "__main__":
    command_line(main, baseline, 1, "bench.py baseline OUT IN...")
