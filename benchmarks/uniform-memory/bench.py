#!/usr/bin/python3
"""Peak memory and wall time of `soup uniform` against PyTorch baselines, for N = 2, 4, 8 ingredients.

Run through run.sh (which builds soup first):  bash benchmarks/uniform-memory/run.sh
Needs Debian's /usr/bin/python3 with python3-torch and python3-numpy; nothing from PyPI.

Every measured command runs in its own process under the tiny torch-free wrapper of benchmarks/common/soupbench.py,
which reports that process's own peak RSS (ru_maxrss from os.wait4, the same number as VmHWM) and the wall time from
spawn to exit; see WRAPPER there for why it exists. Spawning straight from this script, which holds torch and whole
checkpoints, would inflate every number. The wrapper is ~10 MiB, which is therefore the floor of every measurement.

Modes (the first argument):
  (none) / run   generate data if needed, measure, validate, write RESULTS.md
  baseline       one PyTorch baseline (run as a measured child): baseline METHOD OUT IN...
"""

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "benchmarks", "common"))
from soupbench import (command_line, data_is_current, floors_table, measure, measure_floors, mib,  # noqa: E402
                       read_safetensors, report_head, rss_cell, summarize, warm_page_cache, work_dirs, write_results,
                       write_safetensors)

THREADS = 2
SIZES = (2, 4, 8)
N_CHECKPOINTS = max(SIZES)
SPEC_VERSION = 1

# --------------------------------------------------------------------------------------------------------------
# The synthetic model: ~49.1M float32 parameters in 40 tensors (one 20M-element embedding, 4 transformer-like
# blocks of matrices, biases and norms, a BatchNorm with its int64 num_batches_tracked, a classifier head).
# --------------------------------------------------------------------------------------------------------------
D = 768


def model_spec():
    """[(name, shape, kind)], kind in weight | bias | ones | var | count."""
    spec = [("embed.weight", (26000, D), "weight")]  # 19.97M elements, ~80 MB
    for b in range(4):
        p = f"blocks.{b}."
        spec += [
            (p + "attn.in_proj_weight", (3 * D, D), "weight"),
            (p + "attn.out_proj.weight", (D, D), "weight"),
            (p + "norm.weight", (D,), "ones"),
            (p + "norm.bias", (D,), "bias"),
            (p + "mlp.fc1.weight", (4 * D, D), "weight"),
            (p + "mlp.fc1.bias", (4 * D,), "bias"),
            (p + "mlp.fc2.weight", (D, 4 * D), "weight"),
            (p + "mlp.fc2.bias", (D,), "bias"),
        ]
    spec += [
        ("bn.weight", (D,), "ones"),
        ("bn.bias", (D,), "bias"),
        ("bn.running_mean", (D,), "bias"),
        ("bn.running_var", (D,), "var"),
        ("bn.num_batches_tracked", (), "count"),
        ("head.weight", (1000, D), "weight"),
        ("head.bias", (1000,), "bias"),
    ]
    return spec


def n_params(spec):
    n = 0
    for _, shape, kind in spec:
        if kind != "count":
            e = 1
            for s in shape:
                e *= s
            n += e
    return n


# --------------------------------------------------------------------------------------------------------------
# Data.
# --------------------------------------------------------------------------------------------------------------
def generate(data_dir, with_safetensors):
    import torch
    torch.set_num_threads(THREADS)
    spec = model_spec()
    os.makedirs(data_dir, exist_ok=True)
    stamp = os.path.join(data_dir, "spec.json")
    want = {"version": SPEC_VERSION, "checkpoints": N_CHECKPOINTS, "params": n_params(spec),
            "tensors": len(spec), "torch": torch.__version__}
    names = [f"ft{i}" for i in range(N_CHECKPOINTS)]
    exts = [".pt"] + ([".safetensors"] if with_safetensors else [])
    if data_is_current(stamp, want, [os.path.join(data_dir, n + e) for n in names for e in exts]
                       + [os.path.join(data_dir, "base.pt")]):
        print(f"data: reusing {len(names)} checkpoints in {os.path.relpath(data_dir, ROOT)}", flush=True)
        return [os.path.join(data_dir, n) for n in names]

    t0 = time.perf_counter()
    print(f"data: generating {len(names)} checkpoints of {n_params(spec) / 1e6:.1f}M float32 parameters "
          f"in {len(spec)} tensors ...", flush=True)
    g = torch.Generator().manual_seed(20220305)  # the pretrained model
    base = {}
    for name, shape, kind in spec:
        if kind == "weight":
            base[name] = torch.randn(shape, generator=g) * 0.02
        elif kind == "bias":
            base[name] = torch.randn(shape, generator=g) * 0.01
        elif kind == "ones":
            base[name] = 1 + torch.randn(shape, generator=g) * 0.01
        elif kind == "var":
            base[name] = 1 + torch.rand(shape, generator=g)
        else:
            base[name] = torch.tensor(0, dtype=torch.int64)
    torch.save(base, os.path.join(data_dir, "base.pt"))  # the --base of the strategies that use one
    for i, n in enumerate(names):
        g = torch.Generator().manual_seed(1000 + i)  # fine-tune i: a small step away from the pretrained model
        sd = {}
        for name, shape, kind in spec:
            if kind == "count":
                sd[name] = torch.tensor(5000, dtype=torch.int64)  # same schedule length in every run
            elif kind == "var":
                sd[name] = base[name] * (1 + 0.05 * torch.rand(shape, generator=g))
            else:
                sd[name] = base[name] + torch.randn(shape, generator=g) * 0.002
        path = os.path.join(data_dir, n)
        torch.save(sd, path + ".pt.tmp")
        os.replace(path + ".pt.tmp", path + ".pt")
        if with_safetensors:
            write_safetensors(path + ".safetensors", sd, {"format": "pt"})
        del sd
        print(f"  {n}: done ({time.perf_counter() - t0:.1f} s)", flush=True)
    with open(stamp, "w") as f:
        json.dump(want, f)
    return [os.path.join(data_dir, n) for n in names]


def make_tiny(data_dir):
    """Two 1-tensor checkpoints: `soup` on them gives the process's fixed floor (runtime + libtorch)."""
    import torch
    paths = []
    for i in range(2):
        p = os.path.join(data_dir, f"tiny{i}.pt")
        if not os.path.exists(p):
            torch.save({"w": torch.full((4,), float(i))}, p)
        paths.append(p)
    return paths


# --------------------------------------------------------------------------------------------------------------
# PyTorch baselines (each runs as a measured child: bench.py baseline METHOD OUT IN...).
# --------------------------------------------------------------------------------------------------------------
def baseline(method, out, inputs):
    import torch
    torch.set_num_threads(THREADS)
    n = len(inputs)
    if method == "load-all":
        # Load every state dict, then average key by key (float64 sum, stored in the input dtype).
        sds = [torch.load(p, map_location="cpu") for p in inputs]
        soup = {}
        for k, v0 in sds[0].items():
            if v0.is_floating_point():
                acc = torch.zeros(v0.shape, dtype=torch.float64)
                for sd in sds:
                    acc.add_(sd[k])
                soup[k] = acc.div_(n).to(v0.dtype)
                del acc
            else:
                soup[k] = v0.clone()
        del sds
    elif method == "streaming":
        # One checkpoint in memory at a time, added into float64 accumulators; the careful PyTorch way.
        acc, first = None, None
        for p in inputs:
            sd = torch.load(p, map_location="cpu")
            if acc is None:
                first = {k: (v.dtype, v.clone() if not v.is_floating_point() else None) for k, v in sd.items()}
                acc = {k: torch.zeros(v.shape, dtype=torch.float64) for k, v in sd.items() if v.is_floating_point()}
            for k, a in acc.items():
                a.add_(sd[k])
            del sd
        soup = {}
        for k, (dtype, copy) in first.items():
            soup[k] = acc.pop(k).div_(n).to(dtype) if copy is None else copy
    elif method == "model-soups":
        # Verbatim the loop of mlfoundations/model-soups main.py ("create the uniform soup sequentially to not
        # overload memory"): float32, v * (1/N) + running sum. Integer tensors become float there, as here.
        for j, p in enumerate(inputs):
            state_dict = torch.load(p, map_location="cpu")
            if j == 0:
                uniform_soup = {k: v * (1. / n) for k, v in state_dict.items()}
            else:
                uniform_soup = {k: v * (1. / n) + uniform_soup[k] for k, v in state_dict.items()}
            del state_dict
        soup = uniform_soup
    else:
        sys.exit(f"unknown baseline {method}")
    torch.save(soup, out)


# --------------------------------------------------------------------------------------------------------------
# Validation.
# --------------------------------------------------------------------------------------------------------------
def load_output(path):
    """{name: numpy array} of a .pt (torch.load) or .safetensors output."""
    if path.endswith(".safetensors"):
        return {k: v.numpy() for k, v in read_safetensors(path)[0].items()}
    import torch
    return {k: v.numpy() for k, v in torch.load(path, map_location="cpu").items()}


def compare(path, ref_path):
    """(max abs diff, max relative diff, exact) over floating tensors; raises on a name/shape mismatch."""
    import numpy as np
    a, b = load_output(path), load_output(ref_path)
    if set(a) != set(b):
        raise AssertionError(f"{path}: tensor names differ from {ref_path}: {sorted(set(a) ^ set(b))[:5]}")
    max_abs, max_rel, exact = 0.0, 0.0, True
    for k, r in b.items():
        x = a[k]
        if x.shape != r.shape:
            raise AssertionError(f"{path}: {k} has shape {x.shape}, {ref_path} has {r.shape}")
        if not np.issubdtype(r.dtype, np.floating):
            if not np.array_equal(x, r):
                exact = False
                if x.dtype == r.dtype:  # an integer tensor that soup should have copied unchanged
                    raise AssertionError(f"{path}: integer tensor {k} = {x} differs from {r}")
            continue
        if x.dtype != r.dtype:
            raise AssertionError(f"{path}: {k} is {x.dtype}, {ref_path} has {r.dtype}")
        d = float(np.max(np.abs(x.astype(np.float64) - r.astype(np.float64)))) if r.size else 0.0
        scale = float(np.max(np.abs(r.astype(np.float64)))) if r.size else 0.0
        max_abs = max(max_abs, d)
        max_rel = max(max_rel, d / scale if scale > 0 else d)
        exact = exact and d == 0.0
    return max_abs, max_rel, exact


# --------------------------------------------------------------------------------------------------------------
# Report.
# --------------------------------------------------------------------------------------------------------------
def check_soup_json(stdout, out, n, failures):
    """The --json report must describe the file written (lenient about fields it may not have)."""
    try:
        info = json.loads(stdout)
    except ValueError:
        failures.append(f"N={n}: soup --json printed no JSON")
        return
    o = info.get("output", {}) if isinstance(info.get("output"), dict) else {}
    if "bytes" in o and o["bytes"] != os.path.getsize(out):
        failures.append(f"N={n}: soup --json says {o['bytes']} bytes, the file has {os.path.getsize(out)}")
    if "tensors" in o and o["tensors"] != len(model_spec()):
        failures.append(f"N={n}: soup --json says {o['tensors']} tensors, the model has {len(model_spec())}")
    if "ingredients" in info and len(info["ingredients"]) != n:
        failures.append(f"N={n}: soup --json lists {len(info['ingredients'])} ingredients")
    if info.get("warnings"):
        failures.append(f"N={n}: soup warned: {info['warnings']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--soup", default=os.path.join(HERE, "work", "bin", "soup"), help="the soup executable")
    ap.add_argument("--work", default=os.path.join(HERE, "work"), help="where data and outputs go")
    ap.add_argument("--results", default=os.path.join(HERE, "RESULTS.md"))
    ap.add_argument("--no-safetensors", action="store_true", help="skip the .safetensors inputs")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement (RSS: max, times: median)")
    ap.add_argument("--keep-outputs", action="store_true", help="keep the soups written (~200 MB each)")
    args = ap.parse_args()

    import torch
    torch.set_num_threads(THREADS)
    t_start = time.perf_counter()
    data_dir, out_dir, log_dir = work_dirs(args.soup, args.work)
    with_st = not args.no_safetensors
    stems = generate(data_dir, with_st)
    tiny = make_tiny(data_dir)
    t_data = time.perf_counter() - t_start
    ckpt_mib = os.path.getsize(stems[0] + ".pt") / 2**20

    # Warm the page cache so every method reads from memory, not disk, and no method pays for the first read.
    warm_page_cache([s + ext for s in stems for ext in [".pt"] + ([".safetensors"] if with_st else [])])

    soup_args = ["uniform", "-q", "--force", "--json", "--device", "cpu", "--threads", str(THREADS)]
    me = [sys.executable, os.path.abspath(__file__), "baseline"]

    # Fixed costs: what a process costs before it touches a checkpoint.
    floors = measure_floors([args.soup] + soup_args + tiny + ["-o", os.path.join(out_dir, "tiny.safetensors")],
                            "`soup uniform` on two 4-element checkpoints (the .NET runtime; libtorch is not loaded)", log_dir, THREADS)

    methods = [("soup uniform (.pt in)", "soup-pt"), ("soup uniform (.safetensors in)", "soup-st"),
               ("torch streaming (float64 acc)", "streaming"), ("torch model-soups loop (float32)", "model-soups"),
               ("torch load-all, then average", "load-all")]
    # The strategies that use the pretrained base (issue #10), on the same .pt inputs: memory must stay flat in N too.
    base_strategies = {"soup-model-stock": ["model-stock"], "soup-task-arithmetic": ["task-arithmetic", "--scale", "0.3"],
                       "soup-ties": ["ties", "--scale", "1"]}
    methods += [("soup model-stock (.pt in, --base)", "soup-model-stock"),
                ("soup task-arithmetic λ=0.3 (.pt in, --base)", "soup-task-arithmetic"),
                ("soup ties λ=1 (.pt in, --base)", "soup-ties")]
    if not with_st:
        methods = [m for m in methods if m[1] != "soup-st"]

    rows, failures, raw = [], [], []
    for n in SIZES:
        ins = stems[:n]
        outs, runs = {}, {key: [] for _, key in methods}
        for rep in range(args.repeat):  # interleaved, so drift on the machine affects every method alike
            for label, key in methods:
                if key in base_strategies:
                    out = os.path.join(out_dir, f"N{n}-{key}.safetensors")
                    argv = ([args.soup] + base_strategies[key] + soup_args[1:] + [s + ".pt" for s in ins]
                            + ["--base", os.path.join(data_dir, "base.pt"), "-o", out])
                elif key.startswith("soup"):
                    ext = ".pt" if key == "soup-pt" else ".safetensors"
                    out = os.path.join(out_dir, f"N{n}-{key}.safetensors")
                    argv = [args.soup] + soup_args + [s + ext for s in ins] + ["-o", out]
                else:
                    out = os.path.join(out_dir, f"N{n}-{key}.pt")
                    argv = me + [key, out] + [s + ".pt" for s in ins]
                print(f"N={n} run {rep + 1}/{args.repeat} {label:<34}", end="", flush=True)
                r = measure(argv, f"N{n}-{key}-{rep}", log_dir, THREADS)
                if key.startswith("soup"):
                    check_soup_json(r["stdout"], out, n, failures)
                outs[key] = out
                runs[key].append(r)
                raw.append({"n": n, "method": key, "rep": rep, "maxrss_kib": r["maxrss_kib"], "wall_s": r["wall_s"],
                            "cpu_s": r["cpu_s"]})
                print(f" {mib(r['maxrss_kib']):7.0f} MiB  {r['wall_s']:6.2f} s", flush=True)
        for label, key in methods:
            rs = runs[key]
            rows.append({"n": n, "label": label, "key": key, **summarize(rs),
                         "out_mib": os.path.getsize(outs[key]) / 2**20})
        # Validate against the float64 streaming baseline.
        for row in rows:
            if row["n"] != n or row["key"] == "streaming" or row["key"] in base_strategies:
                continue  # the base strategies' arithmetic is checked against PyTorch by the test suite
            d_abs, d_rel, exact = compare(outs[row["key"]], outs["streaming"])
            row["diff"] = (d_abs, d_rel, exact)
            must = row["key"] != "model-soups"  # float32 accumulation is only expected to be close
            ok = d_rel <= 1e-6 if must else d_rel <= 1e-5
            if not ok:
                failures.append(f"N={n} {row['label']}: max abs diff {d_abs:.3g}, relative {d_rel:.3g} "
                                f"vs torch streaming")
            print(f"  check N={n} {row['key']:<12} vs streaming: max abs diff {d_abs:.3g}, rel {d_rel:.3g}"
                  f"{' (bit-identical floats)' if exact else ''}{'' if ok else '  FAIL'}", flush=True)
        if not args.keep_outputs:
            for p in outs.values():
                os.remove(p)
    total = time.perf_counter() - t_start

    # ----- report -----
    def peak(key, n):
        return next(r["rss_mib"] for r in rows if r["key"] == key and r["n"] == n)

    lines = report_head("`soup uniform` peak memory vs number of ingredients", THREADS, ROOT)
    big_name, big_shape, _ = model_spec()[0]
    big = big_shape[0] * big_shape[1]
    lines.append(f"- model: {n_params(model_spec()) / 1e6:.1f}M float32 parameters in {len(model_spec())} tensors "
                 f"(largest `{big_name}` {big_shape[0]}x{big_shape[1]} = {big / 1e6:.1f}M elements, "
                 f"{big * 4 / 2**20:.0f} MiB), {ckpt_mib:.0f} MiB per `.pt` checkpoint; {N_CHECKPOINTS} synthetic "
                 f"fine-tunes with fixed seeds")
    lines.append("- re-run: `bash benchmarks/uniform-memory/run.sh`")
    lines.append("")
    lines.append(f"Each cell: {args.repeat} runs, interleaved; every column is the median (peak RSS also gives "
                 "min–max in brackets when the runs differ by more than 5 MiB). "
                 "Peak RSS = the measured process's `ru_maxrss` from `os.wait4` (its VmHWM), one fresh process per "
                 "run; wall = spawn to exit, including process start-up (.NET runtime for soup, plus libtorch for strategies that load it; interpreter "
                 "+ `import torch` for the baselines); CPU = user + system seconds. Inputs are in the page cache. "
                 "\"vs streaming\" is the largest difference from the float64 streaming baseline, relative to the "
                 "tensor's largest magnitude.")
    lines.append("")
    lines.append("| N | method | peak RSS MiB | wall s | CPU s | output MiB | vs streaming (max rel diff) |")
    lines.append("|---:|---|---:|---:|---:|---:|---|")
    for r in rows:
        if "diff" in r:
            d_abs, d_rel, exact = r["diff"]
            diff = "bit-identical" if exact else f"{d_rel:.2g} (abs {d_abs:.2g})"
            if r["key"] == "model-soups" and not exact:
                diff += "; int64 count stored as float"
        else:
            diff = "reference" if r["key"] == "streaming" else "another soup (not compared)"
        lines.append(f"| {r['n']} | {r['label']} | {rss_cell(r)} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | "
                     f"{r['out_mib']:.1f} | {diff} |")
    lines.append("")
    lines.append("Fixed per-process floors (no checkpoint data):")
    lines.append("")
    lines += floors_table(floors)
    lines.append("")
    lines.append(f"Growth of median peak RSS from N={SIZES[0]} to N={SIZES[-1]} (one checkpoint = {ckpt_mib:.0f} "
                 "MiB; \"flat\" = under a tenth of a checkpoint per added ingredient):")
    lines.append("")
    verdicts = []
    for label, key in methods:
        g = peak(key, SIZES[-1]) - peak(key, SIZES[0])
        per = g / (SIZES[-1] - SIZES[0])
        flat = per < 0.1 * ckpt_mib  # under a tenth of a checkpoint per added ingredient
        lines.append(f"- {label}: {peak(key, SIZES[0]):.0f} -> {peak(key, SIZES[-1]):.0f} MiB "
                     f"({g:+.0f} MiB; {per:+.0f} MiB = {per / ckpt_mib:+.2f} checkpoint per added ingredient)"
                     f" — {'flat' if flat else 'grows with N'}")
        if key.startswith("soup"):
            verdicts.append(flat)
    lines.append("")
    lines.append(f"Correctness: {'all checks passed' if not failures else 'FAILED: ' + '; '.join(failures)}. "
                 f"Data generation {t_data:.0f} s (0 when reused); whole run {total:.0f} s.")
    write_results("\n".join(lines) + "\n", args.results, args.work, raw, floors, failures, ROOT)
    if not all(verdicts):
        print("NOTE: soup's peak RSS grew with N (over a tenth of a checkpoint per ingredient); see above.",
              file=sys.stderr)
    if failures:
        sys.exit("bench: correctness check failed: " + "; ".join(failures))


if __name__ == "__main__":
    command_line(main, baseline, 2, "bench.py baseline METHOD OUT IN...")
