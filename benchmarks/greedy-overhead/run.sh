#!/usr/bin/env bash
# Builds soup (Release) into work/bin and runs the greedy overhead benchmark; writes RESULTS.md.
# Usage: bash benchmarks/greedy-overhead/run.sh [--repeat K]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"; root="$(cd "$here/../.." && pwd)"; modules="torch torchvision"
source "$root/benchmarks/common/prelude.sh"
exec "$py" "$here/bench.py" --soup "$here/work/bin/soup" --work "$here/work" "$@"
