#!/usr/bin/env bash
# Builds soup (Release) into work/bin and runs the many-tensors benchmark; writes RESULTS.md.
# Usage: bash benchmarks/many-tensors/run.sh [--repeat K] [--sizes 100000,1000000]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"; root="$(cd "$here/../.." && pwd)"; modules="torch numpy"
source "$root/benchmarks/common/prelude.sh"
exec "$py" "$here/bench.py" --soup "$here/work/bin/soup" --work "$here/work" "$@"
