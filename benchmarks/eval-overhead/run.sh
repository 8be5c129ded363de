#!/usr/bin/env bash
# Builds soup and the bare TorchSharp loop (Release) into work/, makes the ResNet-18 data once, runs bench.py;
# writes RESULTS.md.  Usage: bash benchmarks/eval-overhead/run.sh [--repeat K]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py=/usr/bin/python3   # Debian's interpreter with python3-torch, not a pyenv/venv python3 earlier on PATH
if [[ ! -x "$py" ]] || ! "$py" -c 'import torch, torchvision' >/dev/null 2>&1; then
    echo "run.sh: $py cannot import torch and torchvision; sudo apt-get install python3-torch python3-torchvision" >&2
    exit 2
fi
command -v dotnet >/dev/null 2>&1 || { echo "run.sh: dotnet not found; install the .NET 10 SDK (see README.md)" >&2; exit 2; }
mkdir -p "$here/work"
echo "building soup and the bare loop (Release) into ${here#"$root"/}/work ..."
dotnet build "$root/src/Soups.Cli" -c Release -o "$here/work/bin" -nologo -v quiet -clp:ErrorsOnly
dotnet build "$here/BareLoop" -c Release -o "$here/work/bareloop" -nologo -v quiet -clp:ErrorsOnly
[[ -f "$here/work/heldout-32.safetensors" ]] || "$py" "$here/make_data.py" "$here/work"
exec "$py" "$here/bench.py" --soup "$here/work/bin/soup" --bare "$here/work/bareloop/BareLoop" --work "$here/work" "$@"
