#!/usr/bin/env bash
# Benchmarks kmslint against its parse floor and writes the report into benches/README.md.
#
#   benches/run.sh [RUNS]      (default 10 runs per measurement; needs hyperfine, python3,
#                               GNU time; the real-world corpus is used when present,
#                               see CONTRIBUTING.md#the-real-world-corpus)
#
# Each input is measured twice in the same run: `kmslint check` (the whole pipeline) and
# `examples/parse_floor` (discovery, reading, decoding and loading only, on the same thread
# pool). The report gives medians, their ratio, peak memory and files per second.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
out=target/bench-inputs
results=target/bench-results
mkdir -p "$results"

cargo build --release --quiet
cargo build --release --quiet --examples
kmslint=target/release/kmslint
floor=target/release/examples/parse_floor
# A fresh generation is deterministic, so the inputs are the same on every machine.
if [ ! -f "$out/large-10mb.json" ]; then
  target/release/examples/generate_templates "$out" >/dev/null
fi
small="$out/small.yaml"
cat >"$small" <<'YAML'
Resources:
  Key:
    Type: AWS::KMS::Key
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      EnableKeyRotation: true
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'}
            Action: 'kms:*'
            Resource: '*'
YAML

inputs=()
[ -d ../shared/corpus ] && inputs+=("corpus|../shared/corpus")
inputs+=("5,000 templates|$out/repo" "1 MB template|$out/large-1mb.yaml" "10 MB template|$out/large-10mb.json" "small template|$small")

rows=()
for entry in "${inputs[@]}"; do
  label="${entry%%|*}"
  path="${entry#*|}"
  slug=$(echo "$label" | tr -c 'a-zA-Z0-9' '-')
  # kmslint exits 1 when it finds something: that is not a failed run.
  hyperfine -N --style none --warmup 3 --runs "$runs" -i \
    --export-json "$results/$slug.json" \
    -n kmslint "$kmslint check --quiet --format compact $path" \
    -n floor "$floor $path" >/dev/null
  files=$($kmslint check --format json "$path" 2>/dev/null | python3 -c 'import json,sys; s=json.load(sys.stdin)["summary"]; print(s["files"]+s["skipped"])' || true)
  bytes=$(du -sb "$path" | cut -f1)
  rss=$( { (/usr/bin/time -v "$kmslint" check --quiet --format compact "$path" >/dev/null) 2>&1 || true; } | awk '/Maximum resident/ {print $6}')
  rows+=("$label|$slug|$files|$bytes|$rss")
done

python3 - "$results" "${rows[@]}" <<'PY'
import json, statistics, sys, platform, subprocess, datetime, os
results = sys.argv[1]
lines = []
lines.append("| input | files | size | kmslint (median) | parse floor (median) | ratio | files/s | peak memory |")
lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
for row in sys.argv[2:]:
    label, slug, files, size, rss = row.split("|")
    data = json.load(open(os.path.join(results, slug + ".json")))["results"]
    med = {r["command"]: statistics.median(r["times"]) for r in data}
    k, f = med["kmslint"], med["floor"]
    files = int(files or 0)
    size = int(size)
    size_s = f"{size/1e6:.1f} MB" if size >= 1e6 else f"{size/1e3:.0f} kB"
    fps = f"{files/k:,.0f}" if files else "–"
    lines.append(f"| {label} | {files:,} | {size_s} | {k*1000:.1f} ms | {f*1000:.1f} ms | {k/f:.2f}× | {fps} | {int(rss)/1024:.1f} MB |")
cpu = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
report = "\n".join(lines)
stamp = datetime.date.today().isoformat()
text = open("benches/README.md").read()
start, end = "<!-- report:start -->", "<!-- report:end -->"
head, rest = text.split(start)
_, tail = rest.split(end)
body = f"{start}\nMeasured {stamp} on this machine ({cpu} cores, {platform.machine()}), release build, medians of the hyperfine runs.\n\n{report}\n{end}"
open("benches/README.md", "w").write(head + body + tail)
print(report)
PY
