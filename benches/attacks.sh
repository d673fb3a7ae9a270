#!/usr/bin/env bash
# The hostile inputs of tests/it/robustness.rs and tests/it/hostile_*.rs at full size, run with two
# kmslint binaries (before and after a change) and reported as a table: wall time, peak
# memory, output bytes and exit status of each.
#
#   benches/attacks.sh OLD_KMSLINT [NEW_KMSLINT]     (NEW defaults to this tree's release build)
#
# Every run is capped (60 s, 6 GB of address space) so that an attack that still works
# cannot take the machine down; a capped run shows as `timeout` or `killed`. Needs GNU time
# (`apt-get install time`), python3 and mkfifo.
set -euo pipefail
cd "$(dirname "$0")/.."
old="$(realpath "$1")"
if [ $# -ge 2 ]; then
  new="$(realpath "$2")"
else
  cargo build --release --quiet
  new="$(realpath target/release/kmslint)"
fi
cargo build --release --quiet --examples
dir="$(realpath -m target/attack-inputs)"
rm -rf "$dir"
mkdir -p "$dir"
target/release/examples/generate_attacks "$dir" >/dev/null
target/release/examples/generate_loader_attacks "$dir" >/dev/null

# The other file of every run: a key without rotation (KMS104), whose finding must survive.
cat >"$dir/other.yaml" <<'YAML'
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'}
            Action: 'kms:*'
            Resource: '*'
YAML

# Twelve free conditions over a 69 kB policy: 4,096 scenarios.
python3 - "$dir/conditions-12-free.yaml" <<'PY'
import sys
out = ["Parameters:"] + [f"  P{i}: {{Type: String}}" for i in range(12)]
out += ["Conditions:"] + [f"  A{i}: !Equals [!Ref P{i}, 'yes']" for i in range(12)]
out += ["Resources:", "  Key:", "    Type: AWS::KMS::Key", "    Properties:", "      KeyPolicy:",
        "        Version: '2012-10-17'", "        Statement:"]
for i in range(330):
    out += [f"          - Sid: S{i}", "            Effect: Allow",
            "            Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'}",
            f"            Action: !If [A{i % 12}, 'kms:*', 'kms:Describe*']", "            Resource: '*'"]
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY

# A 100 GB and a 5 GB sparse file, found while walking; a tree with a symlink to /.
mkdir -p "$dir/sparse-100g" "$dir/sparse-5g" "$dir/symlink-root"
truncate -s 100G "$dir/sparse-100g/huge.yaml"
truncate -s 5G "$dir/sparse-5g/big.yaml"
cp "$dir/other.yaml" "$dir/sparse-100g/" && cp "$dir/other.yaml" "$dir/sparse-5g/"
cp "$dir/other.yaml" "$dir/symlink-root/" && ln -s / "$dir/symlink-root/root"
# 100,000 tiny templates, for SARIF and JSON output.
python3 - "$dir/many" <<'PY'
import os, sys
os.makedirs(sys.argv[1], exist_ok=True)
body = "Resources:\n  Key:\n    Type: AWS::KMS::Key\n"
for i in range(100_000):
    d = os.path.join(sys.argv[1], f"{i // 1000:03}")
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, f"t{i}.yaml"), "w").write(body)
PY
# A 60 MB template on one line (under the default 64 MB file limit), with one finding.
python3 - "$dir/one-line-60mb.json" <<'PY'
import sys
pad = '"' + "x" * 60_000_000 + '"'
open(sys.argv[1], "w").write('{"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"Description": ' + pad + '}}}}')
PY
# 20,000 keys on one line, each with findings that offer fixes (KMS104, KMS105, KMS206): a
# position, a UTF-16 column or a fix that reads the line back is quadratic here.
python3 - "$dir/one-line-20000-fixable.json" <<'PY'
import json, sys
statement = {"Effect": "allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}
keys = {f"K{i}": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": [statement]}}} for i in range(20_000)}
open(sys.argv[1], "w").write(json.dumps({"Resources": keys}))
PY
# 2,500 keys on one line: 10,000 findings there (KMS104, KMS105, KMS204, KMS206). A renderer
# that scans the line per finding (a column counted from the line's start) is quadratic here.
python3 - "$dir/one-line-10000-findings.json" <<'PY'
import json, sys
statement = {"Effect": "allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}
keys = {f"K{i}": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": [statement]}}} for i in range(2_500)}
open(sys.argv[1], "w").write(json.dumps({"Resources": keys}))
PY
# Two versions of a template for `kmslint diff`: 10,000 keys all renamed, with the same
# properties (rename pairing must not compare every pair), and 3,000 keys whose new policy
# drops the grant their log group needs (KMS601 asked of both versions).
python3 - "$dir" <<'PY'
import sys
root = "  {name}:\n    Type: AWS::KMS::Key\n{retain}    Properties:\n      KeyPolicy:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n            Principal: {{AWS: !Sub 'arn:aws:iam::${{AWS::AccountId}}:root'}}\n            Action: 'kms:*'\n            Resource: '*'\n"
logs = "          - Effect: Allow\n            Principal: {Service: !Sub 'logs.${AWS::Region}.amazonaws.com'}\n            Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*']\n            Resource: '*'\n"
group = "  Logs{name}:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      KmsKeyId: !GetAtt {name}.Arn\n"
def write(name, body):
    open(f"{sys.argv[1]}/{name}", "w").write("Resources:\n" + body)
write("renamed-old.yaml", "".join(root.format(name=f"Key{i}", retain="") for i in range(10_000)))
write("renamed-new.yaml", "".join(root.format(name=f"Renamed{i}", retain="") for i in range(10_000)))
retain = "    DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain\n"
write("grants-old.yaml", "".join(root.format(name=f"K{i}", retain=retain) + logs + group.format(name=f"K{i}") for i in range(3_000)))
write("grants-new.yaml", "".join(root.format(name=f"K{i}", retain=retain) + group.format(name=f"K{i}") for i in range(3_000)))
PY
# Values and names that try to write workflow commands or terminal controls.
printf 'Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeySpec: "x\\n::add-mask::secret\\r\\n::error file=x::injected\\u001b]0;title\\u0007"\n' >"$dir/inject.yaml"
# The runner's older `##[command]` form (acted on anywhere in a line) in a comment on the
# line an excerpt shows, and an indented `::error` line in the context of a --diff.
printf 'Resources:\n  Key: # ##[stop-commands]x\n    Type: AWS::KMS::Key\n    Properties:\n      Description: |\n          ::error file=x::injected\n' >"$dir/legacy.yaml"

attacks=(
  "conditions: !And chain, 28 levels|check conditions-and-28.yaml other.yaml"
  "conditions: 15,000 !Not, reverse order|check conditions-not-15000-reverse.yaml other.yaml"
  "conditions: 10,000 !Not|check conditions-not-10000.yaml other.yaml"
  "Fn::Sub nested variables|check sub-nested.yaml other.yaml"
  "Fn::FindInMap nested mappings|check findinmap-nested.yaml other.yaml"
  "Fn::Sub with 100,000 variables|check sub-100k-vars.yaml other.yaml"
  "PendingWindowInDays of 100,000 digits|check pending-window-100k-digits.yaml other.yaml"
  "duplicate keys ×10,000, YAML|check dup-keys-10000.yaml other.yaml"
  "duplicate keys ×10,000, JSON|check dup-keys-10000.json other.yaml"
  "12 free conditions, 69 kB policy|check conditions-12-free.yaml other.yaml"
  "100 GB sparse file while walking|check sparse-100g"
  "5 GB sparse file while walking|check sparse-5g"
  "--config /dev/zero|check --config /dev/zero other.yaml"
  "--parameters-file /dev/zero|check --parameters-file /dev/zero other.yaml"
  "--jobs 100000|check --jobs 100000 other.yaml"
  "symlink to / while walking|check symlink-root"
  "SARIF, 100,000 files|check --format sarif many"
  "JSON, 100,000 files|check --format json many"
  "pretty, 60 MB one-line template|check one-line-60mb.json"
  "JSON, 20,000 fixable keys on one line|check --format json one-line-20000-fixable.json"
  "--diff --unsafe-fixes, 20,000 fixable keys on one line|check --diff --unsafe-fixes one-line-20000-fixable.json"
  "diff: 10,000 keys renamed|diff renamed-old.yaml renamed-new.yaml"
  "diff: 3,000 keys lose their log group's grant|diff grants-old.yaml grants-new.yaml"
  "pretty, 10,000 findings on one line|check one-line-10000-findings.json"
  "compact, 10,000 findings on one line|check --format compact one-line-10000-findings.json"
  "github, 10,000 findings on one line|check --format github one-line-10000-findings.json"
  "JSON, 10,000 findings on one line|check --format json one-line-10000-findings.json"
  "SARIF, 10,000 findings on one line|check --format sarif one-line-10000-findings.json"
  "injected workflow commands, pretty|check inject.yaml other.yaml"
  "##[ in a comment, pretty|check legacy.yaml other.yaml"
  "##[ and ::error in --diff|check --diff legacy.yaml"
  "SARIF to /dev/full|check --format sarif other.yaml >/dev/full"
  "rules into a closed pipe|rules | true"
)

run() { # BIN ARGS -> "time|peak|bytes|exit|lines holding a workflow command"
  local bin="$1" args="$2" out="$dir/out.txt"
  local start end status
  start=$(date +%s.%N)
  set +e
  ( ulimit -v 6000000; cd "$dir" && /usr/bin/time -f '%M' -o "$dir/rss.txt" \
      timeout 60 bash -c "'$bin' $args" >"$out" 2>"$dir/err.txt" )
  status=$?
  set -e
  end=$(date +%s.%N)
  local rss bytes inject
  rss=$(tail -1 "$dir/rss.txt" 2>/dev/null || echo 0)
  bytes=$(( $(stat -c %s "$out") + $(stat -c %s "$dir/err.txt") ))
  # `::` at a line's start after white space (the runner trims it), or `##[` anywhere; the
  # github format's own annotations do not count.
  inject=$(cat "$out" "$dir/err.txt" | grep -v -E '^::(error|warning|notice) file=' \
    | grep -c -E '^[[:space:]]*::|##\[' || true)
  case $status in 124) status=timeout ;; 137) status=killed ;; esac
  printf '%.2f s|%s MB|%s|%s|%s' "$(echo "$end - $start" | bc)" "$(( ${rss:-0} / 1024 ))" "$bytes" "$status" "$inject"
}

echo "| attack | before: time, peak memory, output bytes, exit | after: time, peak memory, output bytes, exit |"
echo "|---|---|---|"
for entry in "${attacks[@]}"; do
  label="${entry%%|*}"
  args="${entry#*|}"
  IFS='|' read -r t1 m1 b1 s1 i1 <<<"$(run "$old" "$args")"
  IFS='|' read -r t2 m2 b2 s2 i2 <<<"$(run "$new" "$args")"
  note1="" note2=""
  [ "${i1:-0}" != 0 ] && note1=", $i1 lines hold a workflow command"
  [ "${i2:-0}" != 0 ] && note2=", $i2 lines hold a workflow command"
  echo "| $label | $t1, $m1, $b1 B, exit $s1$note1 | $t2, $m2, $b2 B, exit $s2$note2 |"
done
rm -rf "$dir"
