#!/usr/bin/python3
"""Threads on a busy machine: `soup fisher` and `soup eval` on the digits sample with the default threads and with
`--threads 1`, on an idle machine and with two busy processes beside them (this script starts them: two Python
loops that never sleep, as two other jobs on a 2-core CI runner or HPC node would be). Beside them, the same Fisher
in PyTorch (per-example gradients of the same CNN, empirical Fisher) with its default threads and with one thread.

Goals (issue 19): under load the default is at most 1.5x the time of --threads 1; idle, the default is no slower
than before this change. "Before" is reproduced by GOMP_SPINCOUNT=300000, libgomp's own spin count, which soup
leaves alone when given (soup otherwise asks OpenMP to wait passively; see src/Soups/Runs/NativeEnvironment.cs).
Run through run.sh:  bash benchmarks/busy-threads/run.sh [--repeat K]
"""

import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "benchmarks", "common"))
from soupbench import command_line, finish, read_safetensors, report_head, speed_args  # noqa: E402

SAMPLE = os.path.join(ROOT, "samples", "digits")
FISHER = [os.path.join(SAMPLE, "ingredients", f) for f in ("ft-lr1e-3-s1.safetensors", "ft-lr1e-3-s2.safetensors")]
EVAL = [os.path.join(SAMPLE, "ingredients", f) for f in ("ft-lr1e-3-s1.safetensors", "ft-lr1e-3-s2.safetensors",
                                                       "ft-lr1e-3-a1.safetensors")]
EXAMPLES = 50
BUSY = 2


def baseline(threads, _rest):
    """The Fisher of the two ingredients in PyTorch: one backward pass per example, squared gradients summed."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    if int(threads) > 0:
        torch.set_num_threads(int(threads))

    class DigitsCnn(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
            self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
            self.conv3 = nn.Conv2d(64, 128, 3, padding=1)
            self.fc = nn.Linear(128 * 3 * 3, 256)
            self.head = nn.Linear(256, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = F.max_pool2d(F.relu(self.conv3(x)), 2)
            return self.head(F.relu(self.fc(x.flatten(1))))

    held, _ = read_safetensors(os.path.join(SAMPLE, "heldout.safetensors"))
    inputs, labels = held["inputs"][:EXAMPLES].float(), held["labels"][:EXAMPLES].long()
    for path in FISHER:
        model = DigitsCnn()
        model.load_state_dict({k: v.float() for k, v in read_safetensors(path)[0].items()})
        sums = [torch.zeros_like(p, dtype=torch.float64) for p in model.parameters()]
        for i in range(EXAMPLES):
            model.zero_grad()
            logp = F.log_softmax(model(inputs[i:i + 1]), 1)[0, labels[i]]
            logp.backward()
            for s, p in zip(sums, model.parameters()):
                s.add_(p.grad.double() ** 2)


def timed(argv, env):
    t = time.perf_counter()
    r = subprocess.run(argv, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"bench: `{' '.join(argv)}` exited {r.returncode}:\n{r.stderr[-3000:]}")
    return time.perf_counter() - t


def main():
    ap = speed_args(__doc__, HERE, 3)
    args = ap.parse_args()
    out = os.path.join(args.work, "out")
    os.makedirs(out, exist_ok=True)
    clean = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    clean["SOUP_CACHE_DIR"] = "off"
    before = dict(clean, GOMP_SPINCOUNT="300000")
    heldout = ["--model", "digits-cnn", "--heldout", os.path.join(SAMPLE, "heldout.safetensors"), "--no-cache", "-q"]
    fisher = [args.soup, "fisher", *FISHER, *heldout, "--fisher-examples", str(EXAMPLES), "-o", os.path.join(out, "fisher.safetensors"), "--force"]
    evaluate = [args.soup, "eval", *EVAL, *heldout]
    py = [sys.executable, __file__, "baseline"]
    cells = [
        ("`soup fisher` (2 ingredients, 50 examples)", "default threads", fisher, clean),
        ("`soup fisher` (2 ingredients, 50 examples)", "`--threads 1`", fisher + ["--threads", "1"], clean),
        ("`soup fisher` (2 ingredients, 50 examples)", "default threads, as before (libgomp spinning)", fisher, before),
        ("`soup eval` (3 checkpoints, 500 images)", "default threads", evaluate, clean),
        ("`soup eval` (3 checkpoints, 500 images)", "`--threads 1`", evaluate + ["--threads", "1"], clean),
        ("`soup eval` (3 checkpoints, 500 images)", "default threads, as before (libgomp spinning)", evaluate, before),
        ("PyTorch Fisher (same CNN, 2 × 50 examples)", "default threads", py + ["0", "-"], clean),
        ("PyTorch Fisher (same CNN, 2 × 50 examples)", "1 thread", py + ["1", "-"], clean),
        ("PyTorch Fisher (same CNN, 2 × 50 examples)", "default threads, OMP_WAIT_POLICY=PASSIVE", py + ["0", "-"],
         dict(clean, OMP_WAIT_POLICY="PASSIVE")),
    ]
    times = {(c[0], c[1], load): [] for c in cells for load in ("idle", "busy")}
    for load in ("idle", "busy"):
        busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(BUSY if load == "busy" else 0)]
        try:
            time.sleep(1)
            for k in range(args.repeat):
                for what, how, argv, env in cells:
                    times[(what, how, load)].append(timed(argv, env))
                    print(f"  {load} run {k + 1}: {what}, {how}: {times[(what, how, load)][-1]:.2f} s", flush=True)
        finally:
            for p in busy:
                p.kill()
                p.wait()

    med = {key: statistics.median(v) for key, v in times.items()}
    lines = report_head("Threads on a busy machine: default threads against `--threads 1`, idle and with 2 busy processes",
                        "default (and 1)", ROOT)
    lines += ["", f"Medians of {args.repeat} interleaved runs, seconds (each a fresh process). \"busy\": {BUSY} processes "
              "that never sleep run beside each command.", "",
              "| command | threads | idle | busy | busy ÷ `--threads 1` busy |", "|---|---|---:|---:|---:|"]
    for what, how, _, _ in cells:
        one = next(h for w, h, _, _ in cells if w == what and h in ("`--threads 1`", "1 thread"))
        ratio = med[(what, how, "busy")] / med[(what, one, "busy")]
        lines.append(f"| {what} | {how} | {med[(what, how, 'idle')]:.2f} | {med[(what, how, 'busy')]:.2f} | {ratio:.2f}× |")
    lines += [""]
    for what in dict.fromkeys(c[0] for c in cells if c[0].startswith("`soup")):
        busy_ratio = med[(what, "default threads", "busy")] / med[(what, "`--threads 1`", "busy")]
        idle_ratio = med[(what, "default threads", "idle")] / med[(what, "default threads, as before (libgomp spinning)", "idle")]
        lines.append(f"- {what}: busy, default ÷ `--threads 1` = **{busy_ratio:.2f}×** (goal ≤ 1.5×); idle, default ÷ before "
                     f"= **{idle_ratio:.2f}×** (goal: no slower)")
    lines += ["", "Per run (s): " + "; ".join(f"{w} {h} {l}: {', '.join(f'{x:.2f}' for x in v)}" for (w, h, l), v in times.items())]
    finish(lines, args.results)


if __name__ == "__main__":
    command_line(main, baseline, 1, "bench.py baseline THREADS -")
