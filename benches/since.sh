#!/usr/bin/env bash
# What comparing with a previous version costs (`check --since`), on the real-world corpus
# (CONTRIBUTING.md#the-real-world-corpus) made into a git repository of two commits: the corpus,
# then every file changed trivially (a comment or a space at the end). Three commands, timed in one hyperfine run (medians), with --jobs 1:
#   check .                   the baseline
#   check --since HEAD .      every file compared with an identical old version (a pull request's
#                             untouched files: the text is compared, not parsed again)
#   check --since HEAD~1 .    every file compared with a different old version (parsed twice)
# and the same three under callgrind (instructions: steady on a noisy machine).
# Usage: benches/since.sh [RUNS]   (needs hyperfine, valgrind, git, python3)
set -euo pipefail
runs=${1:-10}
here=$(cd "$(dirname "$0")/.." && pwd)
corpus=${KMSLINT_TEST_CORPUS:-$here/../shared/corpus}
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
kmslint=$here/target/release/kmslint
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$corpus" "$work/repo"
cd "$work/repo"
git init -q && git add -A && git -c user.name=bench -c user.email=bench@example.com commit -qm corpus
for f in $(git ls-files); do
  case "$f" in *.json) printf ' ' >>"$f" ;; *) printf '\n# changed\n' >>"$f" ;; esac
done
git -c user.name=bench -c user.email=bench@example.com commit -qam changed
commands=("check ." "check --since HEAD ." "check --since HEAD~1 .")
args=()
for c in "${commands[@]}"; do args+=("$kmslint $c --jobs 1 --quiet --format compact"); done
hyperfine -N -i -w 2 -r "$runs" --export-json "$work/h.json" "${args[@]}" >/dev/null 2>&1
for c in "${commands[@]}"; do
  valgrind --tool=callgrind --callgrind-out-file="$work/cg" $kmslint $c --jobs 1 --quiet \
    --format compact >/dev/null 2>"$work/vg" || true
  grep -o 'Collected : [0-9]*' "$work/vg" | awk -v c="$c" '{print c "\t" $3}'
done >"$work/cg.tsv"
python3 - "$work/h.json" "$work/cg.tsv" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["results"]
instr = [line.rstrip("\n").split("\t") for line in open(sys.argv[2])]
base_t, base_i = runs[0]["median"], int(instr[0][1])
print("| command | median | ratio | instructions | ratio |")
print("|---|---:|---:|---:|---:|")
for r, (c, i) in zip(runs, instr):
    print(f"| `kmslint {c}` | {r['median']*1000:.1f} ms | {r['median']/base_t:.2f}× | {int(i)/1e6:.1f} M | {int(i)/base_i:.3f}× |")
PY
