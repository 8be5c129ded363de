#!/usr/bin/python3
"""Wall time of `soup uniform` of 8 x 187 MiB checkpoints against `cat` of the same files and the model-soups
PyTorch loop, in the same run (issue #12). Run through run.sh (which builds soup first):

    bash benchmarks/uniform-speed/run.sh [--repeat K]

Uses the data of benchmarks/uniform-memory (made there on first use: 8 synthetic fine-tunes of a 49.1M-parameter
model, as .pt and .safetensors). The page cache is warmed first; every cell runs K times (default 5), interleaved,
and the table gives the fastest run (the machine is shared and noisy; the fastest is the least disturbed) and the
median. Ratios are of fastest runs. Each command runs in its own process under the measuring wrapper of
benchmarks/common/soupbench.py.
"""

import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MEMORY = os.path.join(ROOT, "benchmarks", "uniform-memory")
sys.path.insert(0, os.path.join(ROOT, "benchmarks", "common"))
sys.path.insert(0, MEMORY)
from soupbench import finish, measure, report_head, speed_args, warm_page_cache  # noqa: E402
import bench as memory_bench  # noqa: E402  (the data generator and the PyTorch baselines)

THREADS = 2
N = 8


def main():
    ap = speed_args(__doc__, HERE, 5)
    ap.add_argument("--data", default=os.path.join(MEMORY, "work", "data"), help="shared with uniform-memory")
    args = ap.parse_args()

    stems = memory_bench.generate(args.data, with_safetensors=True)[:N]
    st = [s + ".safetensors" for s in stems]
    pt = [s + ".pt" for s in stems]
    out = os.path.join(args.work, "out")
    logs = os.path.join(args.work, "logs")
    os.makedirs(out, exist_ok=True)
    os.makedirs(os.path.join(args.work, "tiny"), exist_ok=True)
    tiny = memory_bench.make_tiny(os.path.join(args.work, "tiny"))
    # Input hashes (the recipe's) are remembered by file identity in SOUP_CACHE_DIR: "soup-st" runs as a user's second
    # soup of the same sweep does (the cache warmed by the warm-up runs), "soup-st-cold" hashes every input each time.
    hash_cache = os.path.join(args.work, "hash-cache")
    soup_base = [args.soup, "uniform", "--device", "cpu", "--threads", str(THREADS), "--json", "--force"]
    soup = ["env", f"SOUP_CACHE_DIR={hash_cache}"] + soup_base
    soup_cold = ["env", "SOUP_CACHE_DIR=off"] + soup_base
    me = os.path.join(MEMORY, "bench.py")
    cells = [
        ("cat", "`cat` of the 8 .safetensors inputs", ["/bin/sh", "-c", 'cat "$@" > /dev/null', "cat"] + st),
        ("cat-pt", "`cat` of the 8 .pt inputs", ["/bin/sh", "-c", 'cat "$@" > /dev/null', "cat"] + pt),
        ("soup-st", "`soup uniform` .safetensors in → .safetensors out (recipe; input hashes remembered from an earlier run)",
         soup + st + ["-o", os.path.join(out, "soup-st.safetensors")]),
        ("soup-st-cold", "`soup uniform` .safetensors in → .safetensors out (recipe; every input hashed: `SOUP_CACHE_DIR=off`)",
         soup_cold + st + ["-o", os.path.join(out, "soup-st-cold.safetensors")]),
        ("soup-st-pt", "`soup uniform` .safetensors in → .pt out (no recipe)", soup + st + ["-o", os.path.join(out, "soup-st.pt")]),
        ("soup-pt", "`soup uniform` .pt in → .pt out", soup + pt + ["-o", os.path.join(out, "soup-pt.pt")]),
        ("model-soups", "PyTorch: the model-soups main.py loop, .pt in → .pt out",
         [sys.executable, me, "baseline", "model-soups", os.path.join(out, "model-soups.pt")] + pt),
        ("streaming", "PyTorch: streaming float64 mean, .pt in → .pt out",
         [sys.executable, me, "baseline", "streaming", os.path.join(out, "streaming.pt")] + pt),
        ("soup-tiny", "`soup uniform` of two 1-tensor files (start-up: the .NET runtime; libtorch is not loaded)",
         soup + tiny + ["-o", os.path.join(out, "tiny.safetensors")]),
    ]
    warm_page_cache(st + pt)
    measure(cells[2][2], "warmup", logs, THREADS)
    runs = {key: [] for key, _, _ in cells}
    for k in range(args.repeat):
        for key, _, argv in cells:
            r = measure(argv, f"{key}-{k}", logs, THREADS)
            runs[key].append(r["wall_s"])
            print(f"  {key:12s} run {k + 1}: {r['wall_s']:.2f} s", flush=True)
    best = {key: min(v) for key, v in runs.items()}
    ratio_cat = best["soup-st"] / best["cat"]
    ratio_cat_cold = best["soup-st-cold"] / best["cat"]
    ratio_cat_norecipe = best["soup-st-pt"] / best["cat"]
    ratio_ms = best["soup-pt"] / best["model-soups"]

    # Every soup must equal the careful PyTorch mean bit for bit.
    checks = []
    for name in ("soup-st.safetensors", "soup-st-cold.safetensors", "soup-st.pt", "soup-pt.pt"):
        _, rel, exact = memory_bench.compare(os.path.join(out, name), os.path.join(out, "streaming.pt"))
        checks.append(f"{name}: {'bit-identical to' if exact else f'max relative difference {rel:.2e} from'} the streaming float64 mean")
        if not exact:
            sys.exit("bench: " + checks[-1])

    lines = report_head("`soup uniform` speed: 8 × 187 MiB checkpoints", THREADS, ROOT)
    lines += ["", "| command | fastest | median |", "|---|---:|---:|"]
    for key, label, _ in cells:
        lines.append(f"| {label} | {best[key]:.2f} s | {statistics.median(runs[key]):.2f} s |")
    lines += ["",
              f"- soup (.safetensors in and out, recipe, input hashes remembered) / `cat`: **{ratio_cat:.1f}×** (issue #12's goal: ≤ 6×)",
              f"- soup (.safetensors in and out, recipe, every input hashed) / `cat`: **{ratio_cat_cold:.1f}×**",
              f"- soup (.safetensors in, .pt out, no input hashing) / `cat`: **{ratio_cat_norecipe:.1f}×**",
              f"- soup (.pt in and out) / the model-soups loop: **{ratio_ms:.2f}×** (goal: ≤ 0.35×)",
              f"- soup's start-up on a tiny input: {best['soup-tiny']:.2f} s",
              "", "Checked: " + "; ".join(checks) + ".",
              "", f"Fastest of {args.repeat} interleaved runs; raw times in `work/results.json`."]
    finish(lines, args.results, runs, os.path.join(args.work, "results.json"))


if __name__ == "__main__":
    main()
