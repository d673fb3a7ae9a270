#!/usr/bin/env bash
# What linting a deployment as a whole costs (issue 24), on a generated deployment of 200
# hand-written stacks (examples/generate_deployment.rs: keys in 10 stacks, their consumers in
# 190, a `[[stacks]]` table in .kmslint.toml), against linting the same templates one by one.
# Two commands, timed in one hyperfine run (medians, default --jobs):
#   (a) check DIR                  the deployment: the table is read, each template linted as
#                                  its stack (and, once links land, the stacks linked)
#   (b) check --no-config --region eu-west-1 --account 111122223333 DIR
#                                  the same templates one by one: --no-config reads no
#                                  .kmslint.toml, so no table; the Region and account the key
#                                  stacks mostly have are given instead, so the same rules run
# (wall-time medians and mean CPU time), and the same two under callgrind with --jobs 1
# (instructions: steady on a noisy machine, where wall time is not).
# The same on the clean deployment (`generate_deployment DIR 200 clean`: every key lets its
# consumers in, so both commands find nothing): what the links cost without the findings
# only they make.
# Then the scaling: (a) on 200, 400 and 800 stacks of the same shape (one in twenty holds
# keys), for "linking is linear in the number of exports and imports": the cost per stack
# should stay flat.
# Usage: benches/deployment.sh [RUNS]   (default 10; needs hyperfine, valgrind, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
cargo build --release --quiet --bin kmslint
cargo build --release --quiet --example generate_deployment
kmslint=target/release/kmslint
inputs=target/bench-inputs
results=target/bench-results/deployment
mkdir -p "$results"

# A fresh generation is deterministic, so the inputs are the same on every machine.
dir_of() { if [ "$1" = 200 ]; then echo "$inputs/deployment"; else echo "$inputs/deployment-$1"; fi; }
sizes=(200 400 800)
for n in "${sizes[@]}"; do
  dir=$(dir_of "$n")
  [ -f "$dir/.kmslint.toml" ] || target/release/examples/generate_deployment "$dir" "$n" >/dev/null
done
clean="$inputs/deployment-clean"
[ -f "$clean/.kmslint.toml" ] || target/release/examples/generate_deployment "$clean" 200 clean >/dev/null

# Exit status 1 (findings) is not a failed run: -i.
deployment() { echo "$kmslint check --quiet --format json $1"; }
alone() { echo "$kmslint check --no-config --region eu-west-1 --account 111122223333 --quiet --format json $1"; }
main=$(dir_of 200)
hyperfine -N -i --style none --warmup 3 --runs "$runs" --export-json "$results/ratio.json" \
  -n deployment "$(deployment "$main")" -n alone "$(alone "$main")" \
  -n clean-deployment "$(deployment "$clean")" -n clean-alone "$(alone "$clean")" >/dev/null

# Instructions of one run, on one thread.
instructions() {
  # shellcheck disable=SC2086 # the command is split into its arguments on purpose
  valgrind --tool=callgrind --callgrind-out-file=/dev/null $1 --jobs 1 >/dev/null \
    2>"$results/valgrind.txt" || true
  grep -o 'Collected : [0-9]*' "$results/valgrind.txt" | awk '{print $3}'
}

scaling=()
for n in "${sizes[@]}"; do scaling+=(-n "$n" "$(deployment "$(dir_of "$n")")"); done
hyperfine -N -i --style none --warmup 2 --runs "$runs" --export-json "$results/scaling.json" \
  "${scaling[@]}" >/dev/null

rows=()
for n in "${sizes[@]}"; do
  dir=$(dir_of "$n")
  rows+=("$n|$(instructions "$(deployment "$dir")")|$(instructions "$(alone "$dir")")")
done
rows+=("clean|$(instructions "$(deployment "$clean")")|$(instructions "$(alone "$clean")")")

python3 - "$results" "${rows[@]}" <<'PY'
import json, statistics, sys, os
results = sys.argv[1]
rows = [r.split("|") for r in sys.argv[2:]]
instr = {n: (int(a), int(b)) for n, a, b in rows}
ratio = {r["command"]: r for r in json.load(open(os.path.join(results, "ratio.json")))["results"]}
print("| input | (a) deployment, median | (b) one by one, median | ratio | (a) CPU, mean | (b) CPU, mean | ratio | (a) instructions | (b) instructions | ratio |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for label, prefix, n in [("200 stacks (keys in 10)", "", "200"), ("the same, clean", "clean-", "clean")]:
    a, b = ratio[prefix + "deployment"]["median"], ratio[prefix + "alone"]["median"]
    # hyperfine gives the mean CPU time (user + system) of the runs: less moved by the
    # machine's load than wall time, which also waits for other processes.
    ca = ratio[prefix + "deployment"]["user"] + ratio[prefix + "deployment"]["system"]
    cb = ratio[prefix + "alone"]["user"] + ratio[prefix + "alone"]["system"]
    ia, ib = instr[n]
    print(f"| {label} | {a*1000:.1f} ms | {b*1000:.1f} ms | {a/b:.2f}× | {ca*1000:.1f} ms | {cb*1000:.1f} ms | {ca/cb:.2f}× | {ia/1e6:.1f} M | {ib/1e6:.1f} M | {ia/ib:.3f}× |")
print()
scaling = {r["command"]: statistics.median(r["times"]) for r in json.load(open(os.path.join(results, "scaling.json")))["results"]}
print("| stacks | (a) median | per stack | (a) instructions | per stack | (b) instructions | ratio |")
print("|---:|---:|---:|---:|---:|---:|---:|")
for n, _, _ in rows:
    if n == "clean":
        continue
    t = scaling[n]
    ia, ib = instr[n]
    k = int(n)
    print(f"| {k} | {t*1000:.1f} ms | {t*1e6/k:.0f} µs | {ia/1e6:.1f} M | {ia/1e3/k:.0f} k | {ib/1e6:.1f} M | {ia/ib:.3f}× |")
PY
