#!/usr/bin/env bash
# CPU evaluation speed of a ViT-B/32-shaped CLIP classifier: PyTorch baseline, then `soup eval --model clip-vit`
# on the same checkpoint and images when soup has that built-in.
# Usage: bash benchmarks/clip-eval/run.sh
#   THREADS=2 BATCH=32 REPEATS=1 DEVICE=cpu   forward settings (DEVICE is passed to soup's --device)
#   BLAS=openblas (default) | system           which libblas.so.3 Debian's torch uses (see README.md)
#   SOUP=/path/to/soup                         use this soup instead of building src/Soups.Cli into work/bin
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py=/usr/bin/python3          # Debian's python3-torch, not a pyenv/venv python3 earlier on PATH
threads="${THREADS:-2}"
batch="${BATCH:-32}"
repeats="${REPEATS:-1}"
device="${DEVICE:-cpu}"
blas="${BLAS:-openblas}"
work="$here/work"

if ! "$py" -c 'import torch, numpy' >/dev/null 2>&1; then
    echo "run.sh: $py cannot import torch and numpy; install Debian's python3-torch python3-numpy" >&2
    exit 2
fi
mkdir -p "$work"
cd "$here"
"$py" make_work.py --work "$work"          # skips files that already exist
ckpt="$work/vit_b32.pt"
data="$work/images.safetensors"
n=$("$py" -c "import json,struct,sys; f=open(sys.argv[1],'rb'); h=json.loads(f.read(struct.unpack('<Q',f.read(8))[0])); print(h['labels']['shape'][0])" "$data")

# Debian's torch calls whatever libblas.so.3 the loader finds; the default alternative is the reference BLAS
# (single-threaded, ~5 GFLOPS). Unpack Debian's OpenBLAS (pthread) into work/openblas, without installing it,
# and put it first on LD_LIBRARY_PATH for the PyTorch run only.
blas_env=()
if [[ "$blas" == openblas ]]; then
    lib="$work/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread"
    if [[ ! -f "$lib/libblas.so.3" ]]; then
        echo "fetching Debian's libopenblas0-pthread into ${work#"$root"/}/openblas (apt-get download; not installed) ..."
        rm -rf "$work/openblas" "$work/deb" && mkdir -p "$work/deb"
        if (cd "$work/deb" && apt-get download -q libopenblas0-pthread >/dev/null 2>&1) \
           && dpkg-deb -x "$work"/deb/libopenblas0-pthread_*.deb "$work/openblas"; then :; else
            echo "  could not fetch it; using the system libblas.so.3 (BLAS=system)" >&2
        fi
    fi
    if [[ -f "$lib/libblas.so.3" ]]; then
        blas_env=(env "LD_LIBRARY_PATH=$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "OPENBLAS_NUM_THREADS=$threads")
    fi
fi

echo
echo "== PyTorch =="
"${blas_env[@]}" "$py" bench_pytorch.py --checkpoint "$ckpt" --heldout "$data" --batch-size "$batch" \
    --threads "$threads" --repeats "$repeats"

echo
echo "== soup =="
soup="${SOUP:-}"
if [[ -z "$soup" ]]; then
    if ! command -v dotnet >/dev/null 2>&1; then echo "dotnet not found: soup not timed"; exit 0; fi
    echo "building soup (Release) into ${work#"$root"/}/bin ..."
    dotnet build "$root/src/Soups.Cli" -c Release -o "$work/bin" -nologo -v quiet -clp:ErrorsOnly >/dev/null
    soup="$work/bin/soup"
fi
if ! "$soup" eval --help 2>/dev/null | grep -q 'clip-vit'; then
    echo "soup eval --model clip-vit is not available yet ($soup eval --help does not mention clip-vit); skipped"
    exit 0
fi
time_soup() {  # runs one soup eval on the given held-out file; prints its wall-clock seconds
    local s e
    s=$(date +%s.%N)
    "$soup" eval "$ckpt" --model clip-vit --heldout "$1" --batch-size "$batch" --threads "$threads" --device "$device" \
        --no-cache >"$work/soup_eval_$(basename "$1" .safetensors).txt" 2>/dev/null
    e=$(date +%s.%N)
    "$py" -c "print(f'{$e - $s:.3f}')"
}
t_all=$(time_soup "$data")
echo "soup eval, $n images, batch $batch, $threads threads, device $device: ${t_all} s wall (start-up and checkpoint load included)"
tail -n 1 "$work/soup_eval_images.txt"
"$py" -c "print(f'  end to end: {$n / $t_all:.1f} images/s')"
if [[ -f "$work/images_first32.safetensors" && "$batch" == 32 && "$n" -gt 32 ]]; then
    t_one=$(time_soup "$work/images_first32.safetensors")
    "$py" -c "print(f'  first batch alone: {$t_one:.3f} s wall -> the other {$n - 32} images: ' +
               f'{($n - 32) / max($t_all - $t_one, 1e-9):.1f} images/s (compare with PyTorch forward images/s)')"
fi
