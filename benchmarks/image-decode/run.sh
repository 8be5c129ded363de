#!/usr/bin/env bash
# Builds soup (Release) into work/bin, makes the test images and models once, runs bench.py; writes RESULTS.md.
# Usage: bash benchmarks/image-decode/run.sh [--repeat K]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"; root="$(cd "$here/../.." && pwd)"; modules="torch torchvision PIL"
source "$root/benchmarks/common/prelude.sh"
[[ -f "$here/work/tensors-64.safetensors" ]] || "$py" "$here/make_data.py" "$here/work"
exec "$py" "$here/bench.py" --soup "$here/work/bin/soup" --work "$here/work" "$@"
