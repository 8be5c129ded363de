#!/usr/bin/env bash
# Builds soup and the bare TorchSharp loop (Release) into work/, makes the ResNet-18 data once, runs bench.py;
# writes RESULTS.md.  Usage: bash benchmarks/eval-overhead/run.sh [--repeat K]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"; root="$(cd "$here/../.." && pwd)"; modules="torch torchvision"
source "$root/benchmarks/common/prelude.sh"
dotnet build "$here/BareLoop" -c Release -o "$here/work/bareloop" -nologo -v quiet -clp:ErrorsOnly
[[ -f "$here/work/heldout-32.safetensors" ]] || "$py" "$here/make_data.py" "$here/work"
exec "$py" "$here/bench.py" --soup "$here/work/bin/soup" --bare "$here/work/bareloop/BareLoop" --work "$here/work" "$@"
