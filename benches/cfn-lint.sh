#!/usr/bin/env bash
# kmslint against cfn-lint on the same 12 templates of the real-world corpus (CONTRIBUTING.md#the-real-world-corpus)
# that create KMS keys (the first 12, in path order, of those with `AWS::KMS::Key`), timed with
# hyperfine.
#
#   benches/cfn-lint.sh [CFN_LINT [KMSLINT [RUNS]]]
#
# CFN_LINT defaults to `cfn-lint` on the PATH (`python3 -m venv v && v/bin/pip install
# cfn-lint`), KMSLINT to target/release/kmslint. Both lint the 12 files in one process; both
# exit non-zero when they find something, which hyperfine is told to accept.
set -euo pipefail
cd "$(dirname "$0")/.."
cfn_lint="${1:-cfn-lint}"
kmslint="${2:-target/release/kmslint}"
runs="${3:-10}"
mapfile -t files < <(grep -rlE --include='*.yaml' --include='*.yml' --include='*.json' \
  'AWS::KMS::Key' ../shared/corpus | grep -v '/_nokms/' | LC_ALL=C sort | head -12)
[ "${#files[@]}" -eq 12 ] || { echo "fewer than 12 templates with keys" >&2; exit 2; }
"$cfn_lint" --version
mkdir -p target/bench-results
hyperfine -N --style basic --warmup 1 --runs "$runs" -i \
  --export-json target/bench-results/cfn-lint.json \
  -n cfn-lint "$cfn_lint ${files[*]}" \
  -n kmslint "$kmslint check --quiet --format compact ${files[*]}"
python3 - <<'PY'
import json, statistics
r = {x["command"]: x for x in json.load(open("target/bench-results/cfn-lint.json"))["results"]}
c, k = r["cfn-lint"], r["kmslint"]
med = lambda x: statistics.median(x["times"])
cpu = lambda x: statistics.median([u + s for u, s in zip(x["user"], x["system"])]) if "user" in x and isinstance(x["user"], list) else x["user"] + x["system"]
print(f"cfn-lint {med(c)*1000:.0f} ms, kmslint {med(k)*1000:.1f} ms: kmslint is {med(c)/med(k):.0f}x faster (wall, medians)")
print(f"CPU (user+system, means): cfn-lint {(c['user']+c['system'])*1000:.0f} ms, kmslint {(k['user']+k['system'])*1000:.1f} ms: {(c['user']+c['system'])/(k['user']+k['system']):.0f}x")
PY
