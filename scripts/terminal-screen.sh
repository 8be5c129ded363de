#!/bin/bash
# Runs the sample's greedy soup in a real terminal (tmux, 150 columns x 50 lines) as a person would type it, samples
# the screen while it runs, and saves the final screen as text (issue #13). Needs tmux and the .NET SDK.
#
#   bash scripts/terminal-screen.sh [OUT] [COLUMNSxLINES]   (defaults: docs/terminal-greedy.txt, 150x50)
#
# OUT.frames.txt gets the screens sampled every 0.3 s while the command ran.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/docs/terminal-greedy.txt}
size=${2:-150x50}
bin=$root/artifacts/terminal
dotnet build "$root/src/Soups.Cli" -c Release -o "$bin" -v q -nologo > /dev/null
work=$(mktemp -d)
session=soup-screen-$$
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$work"' EXIT
tmux new-session -d -s "$session" -x "${size%x*}" -y "${size#*x}" -c "$root"
tmux send-keys -t "$session" "clear; soup() { '$bin/soup' \"\$@\"; }; soup greedy samples/digits/ingredients/*.safetensors --model digits-cnn --heldout samples/digits/heldout.safetensors --test test=samples/digits/test.safetensors -o $work/digits-greedy.safetensors --results $work/evals.jsonl; tmux wait-for -S $session-done" Enter
: > "$out.frames.txt"
( while true; do tmux capture-pane -p -t "$session" >> "$out.frames.txt" 2>/dev/null || break; echo "----- frame" >> "$out.frames.txt"; sleep 0.3; done ) &
sampler=$!
tmux wait-for "$session-done"
kill $sampler 2>/dev/null || true
# The final screen, without the shell's prompt lines and the trailing blank lines.
tmux capture-pane -p -t "$session" | sed -e "s|$work|/tmp/work|g" | grep -v '[#$] *$' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' > "$out"
sed -i "s|$work|/tmp/work|g" "$out.frames.txt"
echo "final screen: $out; frames: $out.frames.txt"
