#!/usr/bin/env bash
# Peak memory of `soup learned --ingredients disk|host` vs the paper's PyTorch learned soup, N = 2, 4, 8 (issue #4).
# Usage: bash benchmarks/learned-memory/run.sh [--repeat K] [--sizes 2,4,8]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$here/work"
if ! /usr/bin/python3 -c 'import torch, numpy' >/dev/null 2>&1; then
  echo "run.sh: /usr/bin/python3 cannot import torch and numpy; apt-get install python3-torch python3-numpy" >&2
  exit 2
fi
mkdir -p "$work"
dotnet build "$root/src/Soups.Cli" -c Release -o "$work/bin" -nologo -v quiet -clp:ErrorsOnly >/dev/null
# Debian's torch calls the system libblas.so.3, by default the single-threaded reference BLAS; give the PyTorch
# baseline Debian's OpenBLAS instead (downloaded into work/, not installed). soup's libtorch brings its own BLAS.
lib="$work/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread"
if [[ ! -e "$lib/libblas.so.3" ]]; then
  mkdir -p "$work/deb"
  if (cd "$work/deb" && apt-get download -q libopenblas0-pthread >/dev/null 2>&1); then
    dpkg-deb -x "$work"/deb/libopenblas0-pthread_*.deb "$work/openblas"
  else
    echo "run.sh: could not fetch libopenblas0-pthread; the PyTorch baseline uses the system BLAS" >&2
  fi
fi
if [[ -e "$lib/libblas.so.3" ]]; then
  export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" OPENBLAS_NUM_THREADS=2
fi
/usr/bin/python3 "$here/bench.py" --soup "$work/bin/soup" "$@"
