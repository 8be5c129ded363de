#!/usr/bin/env bash
# Builds soup (Release, ReadyToRun) into work/bin and runs the busy-machine threads benchmark; writes RESULTS.md.
# Usage: bash benchmarks/busy-threads/run.sh [--repeat K]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"; root="$(cd "$here/../.." && pwd)"; modules="torch"
source "$root/benchmarks/common/prelude.sh"
exec "$py" "$here/bench.py" --soup "$here/work/bin/soup" --work "$here/work" "$@"
