#!/usr/bin/python3
"""Peak memory and wall time of `soup learned --ingredients disk|host` against the paper's PyTorch learned soup,
for N = 2, 4, 8 ingredients.

Run through run.sh (which builds soup first):  bash benchmarks/learned-memory/run.sh
Needs Debian's /usr/bin/python3 with python3-torch and python3-numpy; nothing from PyPI.

Peak RSS and wall time come from measure() in benchmarks/common/soupbench.py: each command runs in its own
process under a tiny torch-free wrapper (see WRAPPER there for why), not straight from this script, which imports
torch. Here the wrapper also samples the child's VmRSS / RssAnon / RssFile from /proc/<pid>/status every 50 ms, to
show *when* the memory is used (the peak itself comes from ru_maxrss, not from the samples).

Modes (the first argument):
  (none) / run   generate data if needed, measure, compare, write RESULTS.md
  baseline       the PyTorch learned soup (run as a measured child): baseline JSON_OUT SOUP_OUT HELDOUT IN...
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
                       read_safetensors, report_head, rss_cell, summarize, timeline, warm_page_cache, work_dirs,
                       write_results, write_safetensors)

THREADS = 2
SIZES = (2, 4, 8)
N_CHECKPOINTS = max(SIZES)
SPEC_VERSION = 1

# Learned-soup settings shared by soup and the baseline (soup's defaults except epochs and batch size).
EPOCHS = 1
BATCH = 256
LR = 0.05
WEIGHT_DECAY = 0.0  # soup's default; note torch.optim.AdamW's own default is 0.01, so the baseline passes 0
SEED = 0

# The model: an MLP on 256-dim inputs, 26.2M float32 parameters (100 MiB) in 8 tensors.
DIMS = (256, 4096, 4096, 2048, 10)
HELDOUT = 2048          # held-out examples (8 batches of 256 per epoch)
HEAD_SCALE = 8.0        # the base's last layer is scaled up so its own predictions (the labels) are confident
NOISE = 0.5             # ingredient i = base + noise of std NOISE * (0.5 + 0.25 i) * (per-tensor init std)


# --------------------------------------------------------------------------------------------------------------
# The model and the data.
# --------------------------------------------------------------------------------------------------------------
def make_mlp():
    import torch
    from torch import nn

    class MLP(nn.Module):
        def __init__(self, dims):
            super().__init__()
            self.fc1 = nn.Linear(dims[0], dims[1])
            self.fc2 = nn.Linear(dims[1], dims[2])
            self.fc3 = nn.Linear(dims[2], dims[3])
            self.head = nn.Linear(dims[3], dims[4])

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = torch.relu(self.fc1(x))
            x = torch.relu(self.fc2(x))
            x = torch.relu(self.fc3(x))
            return self.head(x)

    return MLP(DIMS)


def n_params():
    return sum(DIMS[i] * DIMS[i + 1] + DIMS[i + 1] for i in range(len(DIMS) - 1))


def generate(data_dir):
    """model.ts, heldout.safetensors, ing0..7.safetensors (reused when data/spec.json matches)."""
    import torch
    torch.set_num_threads(THREADS)
    os.makedirs(data_dir, exist_ok=True)
    stamp = os.path.join(data_dir, "spec.json")
    want = {"version": SPEC_VERSION, "dims": list(DIMS), "heldout": HELDOUT, "checkpoints": N_CHECKPOINTS,
            "head_scale": HEAD_SCALE, "noise": NOISE, "torch": torch.__version__}
    paths = [os.path.join(data_dir, f"ing{i}.safetensors") for i in range(N_CHECKPOINTS)]
    model_ts, heldout = os.path.join(data_dir, "model.ts"), os.path.join(data_dir, "heldout.safetensors")
    if data_is_current(stamp, want, paths + [model_ts, heldout]):
        print(f"data: reusing the model, held-out split and {len(paths)} ingredients in "
              f"{os.path.relpath(data_dir, ROOT)}", flush=True)
        return model_ts, heldout, paths

    t0 = time.perf_counter()
    print(f"data: generating an MLP {'-'.join(map(str, DIMS))} ({n_params() / 1e6:.1f}M float32 parameters), "
          f"{HELDOUT} held-out examples and {N_CHECKPOINTS} ingredients ...", flush=True)
    torch.manual_seed(0)  # the "pretrained" base
    model = make_mlp().eval()
    with torch.no_grad():
        model.head.weight.mul_(HEAD_SCALE)
        model.head.bias.mul_(HEAD_SCALE)
    torch.jit.script(model).save(model_ts)
    base = {k: v.detach().clone() for k, v in model.state_dict().items()}

    # Held-out split: random inputs labelled by the base model's own predictions.
    g = torch.Generator().manual_seed(1)
    x = torch.randn(HELDOUT, DIMS[0], generator=g)
    with torch.no_grad():
        logits = model(x)
    y = logits.argmax(1)
    conf = logits.softmax(1).max(1).values.mean().item()
    write_safetensors(heldout, {"inputs": x, "labels": y}, {"labels": "argmax of the base model"})
    counts = torch.bincount(y, minlength=DIMS[-1]).tolist()
    print(f"  held-out: base confidence {conf:.3f}, labels per class {counts}", flush=True)

    # Ingredient i: the base plus Gaussian noise, std NOISE*(0.5+0.25i) times each tensor's own init std.
    for i, path in enumerate(paths):
        g = torch.Generator().manual_seed(1000 + i)
        scale = NOISE * (0.5 + 0.25 * i)
        sd = {}
        for k, v in base.items():
            sd[k] = v + torch.randn(v.shape, generator=g) * (scale * v.std().item())
        with torch.no_grad():
            acc = (torch.nn.utils.stateless.functional_call(model, sd, (x,)).argmax(1) == y).float().mean().item()
        write_safetensors(path, sd, {"format": "pt", "noise": f"{scale:.3f}"})
        del sd
        print(f"  ing{i}: noise {scale:.3f} x init std, held-out accuracy {acc:.4f} "
              f"({time.perf_counter() - t0:.1f} s)", flush=True)
    with open(stamp, "w") as f:
        json.dump(want, f)
    return model_ts, heldout, paths


def make_tiny(data_dir):
    """A 2.6k-parameter TorchScript model and two ingredients: `soup learned` on them gives its fixed floor."""
    import torch
    from torch import nn
    ts = os.path.join(data_dir, "tiny.ts")
    paths = [os.path.join(data_dir, f"tiny{i}.safetensors") for i in range(2)]
    if not (os.path.exists(ts) and all(os.path.exists(p) for p in paths)):
        torch.manual_seed(0)
        m = nn.Sequential(nn.Linear(DIMS[0], DIMS[-1])).eval()
        torch.jit.script(m).save(ts)
        for i, p in enumerate(paths):
            write_safetensors(p, {k: v.detach() + 0.01 * i for k, v in m.state_dict().items()}, {"format": "pt"})
    return ts, paths


# --------------------------------------------------------------------------------------------------------------
# The PyTorch baseline: the paper's learned soup (run as a measured child).
# --------------------------------------------------------------------------------------------------------------
def baseline(json_out, soup_out, heldout, inputs):
    """
    The learned soup as in the paper's code (Wortsman et al. 2022, the AlphaWrapper of its learned-soup script):
    every ingredient's state dict in memory, θ = Σᵢ softmax(a)ᵢ θᵢ built tensor by tensor with autograd, the
    logits times a learned temperature β, cross-entropy, AdamW(lr 0.05, weight decay 0) over a and β. The model is
    run on θ with torch.nn.utils.stateless.functional_call (the paper deletes the module's parameters and sets θ
    in their place; same effect). Then, like `soup learned`, it scores every ingredient, the uniform soup and the
    learned soup on the held-out split, and writes the learned soup.
    """
    import torch
    import torch.nn.functional as F
    from torch.nn.utils.stateless import functional_call
    torch.set_num_threads(THREADS)
    t0 = time.perf_counter()
    model = make_mlp().eval()  # its own parameters are never used: every forward gets θ
    held, _ = read_safetensors(heldout)
    x, y = held["inputs"], held["labels"]
    paramslist = [read_safetensors(p)[0] for p in inputs]  # all N state dicts in memory, as in the paper
    names = list(paramslist[0])
    n = len(paramslist)
    t_load = time.perf_counter() - t0

    a = torch.zeros(n, requires_grad=True)          # softmax(0) = uniform: training starts at the uniform soup
    beta = torch.ones(1, requires_grad=True)
    optimizer = torch.optim.AdamW([a, beta], lr=LR, weight_decay=WEIGHT_DECAY)
    generator = torch.Generator().manual_seed(SEED)
    epoch_loss = []
    for _ in range(EPOCHS):
        order = torch.randperm(len(y), generator=generator)
        total, seen = 0.0, 0
        for start in range(0, len(y), BATCH):
            idx = order[start:start + BATCH]
            alpha = a.softmax(0)
            params = {k: sum(sd[k] * alpha[i] for i, sd in enumerate(paramslist)) for k in names}
            loss = F.cross_entropy(functional_call(model, params, (x[idx],)) * beta, y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
            seen += len(idx)
            del params, loss
        epoch_loss.append(total / seen)
    t_train = time.perf_counter() - t0 - t_load

    def accuracy(params):
        correct = 0
        with torch.no_grad():
            for start in range(0, len(y), BATCH):
                correct += (functional_call(model, params, (x[start:start + BATCH],)).argmax(1)
                            == y[start:start + BATCH]).sum().item()
        return correct / len(y)

    with torch.no_grad():
        weights = a.softmax(0)
        learned = {k: sum(sd[k] * weights[i] for i, sd in enumerate(paramslist)) for k in names}
        individual = [accuracy(sd) for sd in paramslist]
        uniform = {k: sum(sd[k] for sd in paramslist) / n for k in names}
        uniform_acc = accuracy(uniform)
        del uniform
        learned_acc = accuracy(learned)
    write_safetensors(soup_out, learned, {"format": "pt"})
    with open(json_out, "w") as f:
        json.dump({"weights": weights.tolist(), "temperature": beta.item(), "epoch_loss": epoch_loss,
                   "individual": individual, "uniform": uniform_acc, "learned": learned_acc,
                   "load_s": t_load, "train_s": t_train}, f)


# --------------------------------------------------------------------------------------------------------------
# Reading soup's --json report (lenient about fields it may not have).
# --------------------------------------------------------------------------------------------------------------
def soup_result(stdout, n):
    info = json.loads(stdout)
    weights = [ing.get("weight") for ing in info.get("ingredients", [])]
    details = info.get("recipe", {}).get("details") or info.get("details") or {}
    if not details:
        for v in info.values():
            if isinstance(v, dict) and ("model_weights" in v or "modelWeights" in v):
                details = v
    scores = {}
    for row in info.get("scores") or []:
        name = row.get("name", "")
        acc = (row.get("held_out") or row.get("heldOut") or {}).get("accuracy")
        if name.startswith("best individual"):
            scores["best"] = acc
        elif name.startswith("uniform"):
            scores["uniform"] = acc
        elif "learned" in name:
            scores["learned"] = acc
    if len(weights) != n:
        raise ValueError(f"soup --json lists {len(weights)} ingredients, expected {n}")
    return {"weights": weights, "temperature": details.get("temperature"), "storage": details.get("storage"),
            "epoch_loss": details.get("epoch_loss") or details.get("epochLoss"), "steps": details.get("steps"), **scores,
            "warnings": info.get("warnings") or []}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--soup", default=os.path.join(HERE, "work", "bin", "soup"), help="the soup executable")
    ap.add_argument("--work", default=os.path.join(HERE, "work"), help="where data and outputs go")
    ap.add_argument("--results", default=os.path.join(HERE, "RESULTS.md"))
    ap.add_argument("--repeat", type=int, default=1, help="runs of each measurement (medians; RSS also min–max)")
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated N values (default 2,4,8)")
    args = ap.parse_args()
    sizes = tuple(int(s) for s in args.sizes.split(","))
    if max(sizes) > N_CHECKPOINTS or min(sizes) < 1:
        sys.exit(f"bench: --sizes must lie in 1..{N_CHECKPOINTS}")

    import torch
    torch.set_num_threads(THREADS)
    t_start = time.perf_counter()
    data_dir, out_dir, log_dir = work_dirs(args.soup, args.work)
    model_ts, heldout, ingredients = generate(data_dir)
    tiny_ts, tiny = make_tiny(data_dir)
    t_data = time.perf_counter() - t_start
    ckpt_mib = os.path.getsize(ingredients[0]) / 2**20

    # Warm the page cache so every method reads from memory, not disk, and no method pays for the first read.
    warm_page_cache(ingredients + [heldout, model_ts])

    def soup_argv(storage, ts, ins, out):
        return [args.soup, "learned"] + ins + ["--model", ts, "--heldout", heldout, "-o", out, "--force",
                                                "--no-cache", "-q", "--json", "--epochs", str(EPOCHS),
                                                "--batch-size", str(BATCH), "--learned-batch-size", str(BATCH),
                                                "--lr", str(LR), "--seed", str(SEED),
                                                "--ingredients", storage, "--device", "cpu",
                                                "--threads", str(THREADS)]

    me = [sys.executable, os.path.abspath(__file__), "baseline"]

    # Fixed costs: what a process costs with (almost) no model data.
    floors = measure_floors(soup_argv("disk", tiny_ts, tiny, os.path.join(out_dir, "tiny.safetensors")),
                            "`soup learned --ingredients disk` on a 2.6k-parameter model, 2 ingredients "
                            "(.NET + libtorch)", log_dir, THREADS)

    methods = [("soup learned --ingredients disk", "disk"), ("soup learned --ingredients host", "host"),
               ("PyTorch learned soup (paper's, all N in memory)", "torch")]
    rows, raw, failures = [], [], []
    for n in sizes:
        ins = ingredients[:n]
        runs = {key: [] for _, key in methods}
        for rep in range(args.repeat):  # interleaved, so drift on the machine affects every method alike
            for label, key in methods:
                tag = f"N{n}-{key}-{rep}"
                out = os.path.join(out_dir, f"N{n}-{key}.safetensors")
                if key == "torch":
                    res_json = os.path.join(log_dir, f"{tag}.result.json")
                    argv = me + [res_json, out, heldout] + ins
                else:
                    argv = soup_argv(key, model_ts, ins, out)
                print(f"N={n} run {rep + 1}/{args.repeat} {label:<48}", end="", flush=True)
                r = measure(argv, tag, log_dir, THREADS, sample_rss=True)
                if key == "torch":
                    with open(res_json) as f:
                        res = json.load(f)
                    res["best"] = max(res["individual"])
                else:
                    res = soup_result(r["stdout"], n)
                    if res["warnings"]:
                        failures.append(f"N={n} {key}: soup warned: {res['warnings']}")
                    if res.get("storage") not in (None, key):
                        failures.append(f"N={n} {key}: soup reports ingredients on {res['storage']}")
                r["result"] = res
                runs[key].append(r)
                raw.append({"n": n, "method": key, "rep": rep, "maxrss_kib": r["maxrss_kib"], "wall_s": r["wall_s"],
                            "cpu_s": r["cpu_s"], "result": res, "samples": r["samples_path"]})
                print(f" {mib(r['maxrss_kib']):7.0f} MiB  {r['wall_s']:6.2f} s  learned acc "
                      f"{res.get('learned', float('nan')):.4f}", flush=True)
                os.remove(out)
        for label, key in methods:
            rs = runs[key]
            rows.append({"n": n, "label": label, "key": key, **summarize(rs),
                         "result": rs[-1]["result"], "samples": rs[-1]["samples"]})
    total = time.perf_counter() - t_start

    # ----- report -----
    def row(key, n):
        return next(r for r in rows if r["key"] == key and r["n"] == n)

    lines = report_head("`soup learned` peak memory vs number of ingredients", THREADS, ROOT)
    lines.append(f"- model: MLP {'-'.join(map(str, DIMS))} with ReLUs, {n_params() / 1e6:.1f}M float32 parameters "
                 f"in 8 tensors (largest 4096x4096 = 64 MiB), {ckpt_mib:.0f} MiB per `.safetensors` ingredient; "
                 f"{N_CHECKPOINTS} synthetic fine-tunes (the seed-0 base plus noise of increasing size), "
                 f"{HELDOUT} held-out examples labelled by the base")
    lines.append(f"- learned soup: {EPOCHS} epoch, batch {BATCH} ({HELDOUT // BATCH} steps), AdamW lr {LR}, "
                 f"weight decay {WEIGHT_DECAY:g}, learned temperature, seed {SEED}; soup also scores the best "
                 "individual, the uniform soup and the learned soup and writes the soup and its report; the "
                 "baseline does the same")
    lines.append("- re-run: `bash benchmarks/learned-memory/run.sh`")
    lines.append("")
    lines.append(f"Each cell: {args.repeat} run(s){', interleaved, medians' if args.repeat > 1 else ''}. "
                 "Peak RSS = the measured process's `ru_maxrss` from `os.wait4` (its VmHWM), one fresh process per "
                 "run; wall = spawn to exit, including start-up (.NET + libtorch load for soup, interpreter + "
                 "`import torch` for the baseline) and the final scoring; CPU = user + system seconds. Inputs are "
                 "in the page cache.")
    lines.append("")
    lines.append("| N | method | peak RSS MiB | wall s | CPU s | held-out acc: best individual / uniform / learned |")
    lines.append("|---:|---|---:|---:|---:|---|")
    for r in rows:
        res = r["result"]
        acc = " / ".join(f"{res.get(k, float('nan')):.4f}" for k in ("best", "uniform", "learned"))
        lines.append(f"| {r['n']} | {r['label']} | {rss_cell(r)} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {acc} |")
    lines.append("")
    lines.append("Fixed per-process floors (no model data):")
    lines.append("")
    lines += floors_table(floors)
    lines.append("")
    lo, hi = sizes[0], sizes[-1]
    lines.append(f"Growth of peak RSS from N={lo} to N={hi} (one ingredient = {ckpt_mib:.0f} MiB; \"flat\" = "
                 "under a tenth of an ingredient per added ingredient):")
    lines.append("")
    verdict = {}
    for label, key in methods:
        a_, b_ = row(key, lo)["rss_mib"], row(key, hi)["rss_mib"]
        per = (b_ - a_) / (hi - lo) if hi > lo else 0.0
        flat = per < 0.1 * ckpt_mib
        verdict[key] = flat
        lines.append(f"- {label}: {a_:.0f} -> {b_:.0f} MiB ({b_ - a_:+.0f} MiB; {per:+.0f} MiB = "
                     f"{per / ckpt_mib:+.2f} ingredient per added ingredient) — {'flat' if flat else 'grows with N'}; "
                     f"at N={hi} that is {b_ / ckpt_mib:.1f} ingredients' worth in all, "
                     f"{(b_ - mib(floors[1][1]['maxrss_kib'] if key != 'torch' else floors[2][1]['maxrss_kib'])) / ckpt_mib:.1f} "
                     "above the process floor")
    lines.append("")
    lines.append("Learned mixing weights (softmax α) and temperature, soup vs the PyTorch baseline. Both start from "
                 "uniform α and β = 1 and take the same number of AdamW steps on the same batches' sizes, but the "
                 "batch order comes from different random generators (soup: TorchSharp's libtorch `randperm` with "
                 "`--seed`; baseline: `torch.randperm` of torch "
                 f"{torch.__version__} with the same seed), and soup computes ∂L/∂α as Σ⟨∂L/∂θ, θᵢ⟩ in float64 "
                 "instead of through autograd, so the numbers are expected to be close, not identical:")
    lines.append("")
    lines.append("| N | method | α (ingredient 0 … N-1) | β | held-out loss (epoch) |")
    lines.append("|---:|---|---|---:|---:|")
    for n in sizes:
        for label, key in methods:
            res = row(key, n)["result"]
            w = " ".join(f"{x:.4f}" for x in res["weights"])
            el = res.get("epoch_loss") or []
            lines.append(f"| {n} | {label} | {w} | {res.get('temperature') or float('nan'):.3f} | "
                         f"{el[-1] if el else float('nan'):.4f} |")
    lines.append("")
    lines.append(f"Resident memory over time at N={hi} (VmRSS sampled every 50 ms by the wrapper, MiB; raw "
                 f"samples in `work/logs/N{hi}-*-*.rss.tsv`):")
    lines.append("")
    for label, key in methods:
        lines.append(f"- {label}: {timeline(row(key, hi)['samples'])}")
    lines.append("")
    lines.append(f"{'Checks: ' + '; '.join(failures) if failures else 'No warnings from soup.'} "
                 f"Data generation {t_data:.0f} s (0 when reused); whole run {total:.0f} s.")
    write_results("\n".join(lines) + "\n", args.results, args.work, raw, floors, failures, ROOT)
    if not verdict.get("disk", True):
        print("NOTE: soup --ingredients disk's peak RSS grew with N (over a tenth of an ingredient per added "
              "ingredient); see above.", file=sys.stderr)
    if failures:
        sys.exit("bench: " + "; ".join(failures))


if __name__ == "__main__":
    command_line(main, baseline, 3, "bench.py baseline JSON_OUT SOUP_OUT HELDOUT IN...")
