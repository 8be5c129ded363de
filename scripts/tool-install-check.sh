#!/bin/bash
# Packs soup as a .NET tool, installs it into a temporary tool path and runs the sample's greedy soup with it: the
# check that the package (with libtorch and the GLIBCXX fix inside) works on this machine (issue #13).
#
#   bash scripts/tool-install-check.sh          (about 1 minute after a first build; the package is ~122 MiB)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet pack "$root/src/Soups.Cli" -c Release -o "$work/nupkg" -nologo -v q
dotnet tool install soup --tool-path "$work/tools" --add-source "$work/nupkg" > /dev/null
cd "$root"
"$work/tools/soup" greedy samples/digits/ingredients/*.safetensors --model digits-cnn --heldout samples/digits/heldout.safetensors \
  --test test=samples/digits/test.safetensors -o "$work/digits-greedy.safetensors" --results "$work/evals.jsonl" --quiet
echo "tool package $(ls "$work/nupkg") installed and ran the sample"
# The footprint the README states: the package, and the installed tool (the package unpacked, plus the SDK's copies).
echo "sizes (du, MiB): package $(du -h "$work"/nupkg/*.nupkg | cut -f1), installed tool $(du -sh "$work/tools" | cut -f1)"
