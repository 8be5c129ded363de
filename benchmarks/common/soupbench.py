"""What the benchmarks under benchmarks/ share: the torch-free measuring wrapper (peak RSS, wall and CPU time of a
command in a fresh process, optionally its resident memory over time), a small safetensors writer and reader, and
the pieces of their RESULTS.md reports (machine, soup commit, floors, medians).

The scripts import it with  sys.path.insert(0, os.path.join(ROOT, "benchmarks", "common"))  and run under Debian's
/usr/bin/python3. Importing it loads neither torch nor numpy (the functions that need them import them), so a
measured child that imports it costs what it did before.
"""

import datetime
import json
import os
import platform
import statistics
import struct
import subprocess
import sys


# --------------------------------------------------------------------------------------------------------------
# The command line of a benchmark script.
# --------------------------------------------------------------------------------------------------------------
def command_line(main, baseline, n_fixed, usage):
    """
    `SCRIPT baseline A1 .. Ak IN...` (k = n_fixed) calls baseline(A1, .., Ak, [IN...]), the PyTorch baseline run as
    a measured child (`usage` is its usage line); anything else, after an optional `run`, calls main().
    """
    if len(sys.argv) > 1 and sys.argv[1] == "baseline":
        if len(sys.argv) < 3 + n_fixed:
            sys.exit(f"usage: {usage}")
        baseline(*sys.argv[2:2 + n_fixed], sys.argv[2 + n_fixed:])
    else:
        if len(sys.argv) > 1 and sys.argv[1] == "run":
            del sys.argv[1]
        main()


# --------------------------------------------------------------------------------------------------------------
# Measurement wrapper (torch-free, run by /usr/bin/python3 -c).
# --------------------------------------------------------------------------------------------------------------
# It waits for the command with os.wait4() and reports that process's own ru_maxrss (its peak resident set, the
# same number as VmHWM) and the wall time from spawn to exit. The wrapper exists because on Linux a child's
# ru_maxrss starts from the peak RSS of the process it was forked from (exec records the old address space's
# high-water mark), so spawning straight from a benchmark, which holds torch, would inflate every number. The
# wrapper is ~10 MiB, which is therefore the floor of every measurement. Given a samples path (else ""), it also
# samples the child's VmRSS / RssAnon / RssFile from /proc/<pid>/status every 50 ms while it waits, to show *when*
# the memory is used (the peak itself still comes from ru_maxrss, not from the samples).
WRAPPER = r"""
import json, os, subprocess, sys, time
res, out, err, samples = sys.argv[1:5]
argv = sys.argv[5:]
def status(pid):
    v = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, rest = line.partition(":")
                if k in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                    v[k] = int(rest.split()[0])
    except OSError:
        pass
    return v
rows = []
with open(out, "wb") as o, open(err, "wb") as e:
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=o, stderr=e)
    if samples:  # poll every 50 ms, sampling as it goes
        while True:
            pid, st, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            v = status(p.pid)
            if v:
                rows.append((round(time.perf_counter() - t0, 3), v.get("VmRSS", 0), v.get("RssAnon", 0),
                             v.get("RssFile", 0)))
            time.sleep(0.05)
    else:
        _, st, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
rc = os.waitstatus_to_exitcode(st)
if samples:
    with open(samples, "w") as f:
        f.write("t_s\tVmRSS_kib\tRssAnon_kib\tRssFile_kib\n")
        for r in rows:
            f.write("\t".join(map(str, r)) + "\n")
with open(res, "w") as f:
    json.dump({"rc": rc, "maxrss_kib": ru.ru_maxrss, "wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime}, f)
"""


def measure(argv, tag, logdir, threads, sample_rss=False):
    """
    Runs argv in a fresh process (OMP/MKL limited to `threads`); returns dict(rc, maxrss_kib, wall_s, cpu_s, stdout,
    stderr), plus samples [(t_s, VmRSS, RssAnon, RssFile KiB)] and samples_path when sample_rss. Exits on failure.
    """
    os.makedirs(logdir, exist_ok=True)
    res, out, err, smp = (os.path.join(logdir, f"{tag}.{x}") for x in ("json", "out", "err", "rss.tsv"))
    for p in (res, out, err, smp):
        if os.path.exists(p):
            os.remove(p)
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    subprocess.run([sys.executable, "-c", WRAPPER, res, out, err, smp if sample_rss else ""] + list(argv),
                   check=True, env=env)
    with open(res) as f:
        r = json.load(f)
    with open(out, errors="replace") as f:
        r["stdout"] = f.read()
    with open(err, errors="replace") as f:
        r["stderr"] = f.read()
    if sample_rss:
        r["samples"] = []
        with open(smp) as f:
            next(f)
            for line in f:
                t, rss, anon, file_ = line.split("\t")
                r["samples"].append((float(t), int(rss), int(anon), int(file_)))
        r["samples_path"] = smp
    if r["rc"] != 0:
        sys.exit(f"bench: `{' '.join(argv)}` exited {r['rc']}:\n{r['stderr'][-3000:]}")
    return r


def measure_floors(soup_argv, soup_label, logdir, threads):
    """
    The fixed per-process costs, [(label, measure result)]: the wrapper alone, soup on a tiny input (after one
    unmeasured warm-up run of the same command) and `import torch`.
    """
    floors = [("measurement floor (`/bin/true` under the wrapper)", measure(["/bin/true"], "floor-true", logdir,
                                                                             threads))]
    measure(soup_argv, "warmup", logdir, threads)
    floors.append((soup_label, measure(soup_argv, "floor-soup", logdir, threads)))
    r = measure([sys.executable, "-c", f"import torch; torch.set_num_threads({threads}); torch.zeros(1)"],
                "floor-torch", logdir, threads)
    floors.append(("`python3 -c 'import torch'`", r))
    return floors


def work_dirs(soup, work):
    """Exits unless `soup` is an executable; (data, out, logs) folders under `work`, the out folder created."""
    if not os.access(soup, os.X_OK):
        sys.exit(f"bench: no soup executable at {soup} (run.sh builds it)")
    data_dir = os.path.join(work, "data")
    out_dir = os.path.join(work, "out")
    log_dir = os.path.join(work, "logs")
    os.makedirs(out_dir, exist_ok=True)
    return data_dir, out_dir, log_dir


def summarize(runs):
    """Medians of a cell's measured runs: peak RSS (MiB; also its min and max), wall and CPU seconds."""
    return {"rss_mib": statistics.median(mib(r["maxrss_kib"]) for r in runs),
            "rss_min_mib": min(mib(r["maxrss_kib"]) for r in runs),
            "rss_max_mib": max(mib(r["maxrss_kib"]) for r in runs),
            "wall_s": statistics.median(r["wall_s"] for r in runs),
            "cpu_s": statistics.median(r["cpu_s"] for r in runs)}


def warm_page_cache(paths):
    """Reads the files once so every method reads them from memory, not disk, and none pays for the first read."""
    for p in paths:
        with open(p, "rb") as f:
            while f.read(1 << 24):
                pass


def data_is_current(stamp, want, paths):
    """Whether generated data can be reused: the stamp file holds `want` and every path exists. Else drops the stamp."""
    have = None
    if os.path.exists(stamp):
        with open(stamp) as f:
            have = json.load(f)
    if have == want and all(os.path.exists(p) for p in paths):
        return True
    if os.path.exists(stamp):
        os.remove(stamp)
    return False


# --------------------------------------------------------------------------------------------------------------
# A tiny safetensors writer and reader (https://github.com/huggingface/safetensors#format).
# --------------------------------------------------------------------------------------------------------------
ST_DTYPES = {"F32": "float32", "F64": "float64", "F16": "float16", "BF16": "bfloat16", "I64": "int64",
             "I32": "int32", "I16": "int16", "I8": "int8", "U8": "uint8", "BOOL": "bool"}


def _st_dtypes():
    """({torch dtype: safetensors code}, {safetensors code: torch dtype})."""
    import torch
    from_st = {code: getattr(torch, name) for code, name in ST_DTYPES.items()}
    return {dt: code for code, dt in from_st.items()}, from_st


def _raw_bytes(t):
    """A flat uint8 numpy view of a contiguous CPU tensor's memory, no copy (numpy itself has no bfloat16)."""
    import torch
    return t.reshape(-1).view(torch.uint8).numpy()


def write_safetensors(path, state_dict, metadata=None):
    """Writes {name: tensor} in that order, with `metadata` ({str: str}) as __metadata__ when given; atomically."""
    to_st, _ = _st_dtypes()
    header, tensors, offset = {}, [], 0
    for name, t in state_dict.items():
        t = t.detach().cpu().contiguous()
        nbytes = t.numel() * t.element_size()
        header[name] = {"dtype": to_st[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + nbytes]}
        tensors.append(t)
        offset += nbytes
    if metadata is not None:
        header["__metadata__"] = metadata
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * (-len(blob) % 8)  # pad with spaces so the data starts 8-byte aligned
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for t in tensors:
            f.write(_raw_bytes(t))
    os.replace(tmp, path)


def read_safetensors(path):
    """
    ({name: torch tensor} in the header's order, metadata dict). Each tensor is read straight into a freshly
    allocated tensor (one copy of the data, no more), in file order.
    """
    import torch
    _, from_st = _st_dtypes()
    out = {}
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        meta = header.pop("__metadata__", None) or {}
        base = 8 + n
        for name, h in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
            b, e = h["data_offsets"]
            t = torch.empty(h["shape"], dtype=from_st[h["dtype"]])
            f.seek(base + b)
            if f.readinto(memoryview(_raw_bytes(t))) != e - b:
                raise IOError(f"{path}: truncated tensor {name}")
            out[name] = t
    return {k: out[k] for k in header}, meta


# --------------------------------------------------------------------------------------------------------------
# Report.
# --------------------------------------------------------------------------------------------------------------
def machine():
    """(CPU count, CPU model name, total RAM as text)."""
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "unknown"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except OSError:
        pass
    return os.cpu_count(), cpu, mem


def soup_commit(root):
    """The repository's short HEAD, noting uncommitted changes to what soup is built from."""
    try:
        head = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--", "src", "Directory.Build.props",
                                "Directory.Packages.props", "Directory.Build.targets", "build"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + (" (with uncommitted changes under src/ or build files)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def mib(kib):
    return kib / 1024


def speed_args(doc, here, repeat):
    """The options every speed benchmark takes: --soup, --work, --results (default: its RESULTS.md), --repeat."""
    import argparse
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--soup", default=os.path.join(here, "work", "bin", "soup"), help="the soup executable")
    ap.add_argument("--work", default=os.path.join(here, "work"), help="where data and outputs go")
    ap.add_argument("--results", default=os.path.join(here, "RESULTS.md"))
    ap.add_argument("--repeat", type=int, default=repeat, help="runs of each measurement")
    return ap


def finish(lines, results, raw=None, raw_path=None):
    """Writes the report lines to `results` (and the raw measurements as JSON to `raw_path`), and prints them."""
    text = "\n".join(lines) + "\n"
    if raw is not None:
        with open(raw_path, "w") as f:
            json.dump(raw, f, indent=1)
    with open(results, "w") as f:
        f.write(text)
    print(text)


def report_head(title, threads, root):
    """The first lines of a RESULTS.md: the title, then the machine, date, torch and soup commit bullets."""
    import torch
    nproc, cpu, mem = machine()
    return [f"# {title}",
            "",
            f"- machine: {nproc} CPUs (`nproc`), {cpu}, {mem} RAM; {platform.system()} {platform.release()}",
            f"- date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
            f"- torch {torch.__version__} (Debian `/usr/bin/python3` {platform.python_version()}), "
            f"{threads} threads everywhere (`torch.set_num_threads`, `soup --threads`)",
            f"- soup commit: {soup_commit(root)}"]


def rss_cell(row):
    """A row's median peak RSS in MiB, with the min–max in brackets when the runs differ by more than 5 MiB."""
    rss = f"{row['rss_mib']:.0f}"
    if row["rss_max_mib"] - row["rss_min_mib"] > 5:
        rss += f" ({row['rss_min_mib']:.0f}–{row['rss_max_mib']:.0f})"
    return rss


def floors_table(floors):
    """The markdown table of measure_floors()'s results."""
    lines = ["| process | peak RSS MiB | wall s |", "|---|---:|---:|"]
    for label, r in floors:
        lines.append(f"| {label} | {mib(r['maxrss_kib']):.0f} | {r['wall_s']:.2f} |")
    return lines


def timeline(samples, width=12):
    """A compact 'time: VmRSS' line from the samples: `width` evenly spaced points plus the sampled maximum."""
    if not samples:
        return "(no samples)"
    step = max(1, len(samples) // width)
    pts = samples[::step]
    top = max(samples, key=lambda s: s[1])
    s = ", ".join(f"{t:.1f}s {mib(rss):.0f}" for t, rss, _, _ in pts)
    return f"{s} (sampled max {mib(top[1]):.0f} MiB at {top[0]:.1f}s; anon {mib(top[2]):.0f}, file {mib(top[3]):.0f})"


def write_results(text, results, work, raw, floors, failures, root):
    """Prints the report and writes it to `results` (RESULTS.md), and the raw runs to work/results.json."""
    print()
    print(text)
    with open(results, "w") as f:
        f.write(text)
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump({"runs": raw, "floors": {label: {k: r[k] for k in ("maxrss_kib", "wall_s", "cpu_s")}
                                           for label, r in floors}, "failures": failures}, f, indent=1)
    print(f"wrote {os.path.relpath(results, root)}")
