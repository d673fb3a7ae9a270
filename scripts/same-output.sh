#!/usr/bin/env bash
# Checks that two kmslint binaries print byte-identical output on the benchmark corpus,
# tests/corpus-consumers and fixtures/, in every output format, with all rules and with the
# default ones, plus the fixes (--diff), the rule list and every rule's documentation: a
# speed change or a restructuring must not change what is reported.
#
#   scripts/same-output.sh OLD_KMSLINT NEW_KMSLINT
set -euo pipefail
cd "$(dirname "$0")/.."
old="$1"
new="$2"
inputs=(tests/corpus-consumers fixtures)
[ -d ../shared/corpus ] && inputs=(../shared/corpus "${inputs[@]}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

# Runs one command line with both binaries; the output, the errors and the exit status
# (1 means findings, not a failed run) must agree.
same() {
  local label="$1"
  shift
  local old_status=0 new_status=0
  "$old" "$@" >"$tmp/old" 2>"$tmp/old.err" || old_status=$?
  "$new" "$@" >"$tmp/new" 2>"$tmp/new.err" || new_status=$?
  if [ "$old_status" -ne "$new_status" ]; then
    echo "DIFFERENT: $label: exit $old_status before, $new_status after"
    head -5 "$tmp/new.err"
    status=1
  elif cmp -s "$tmp/old" "$tmp/new" && cmp -s "$tmp/old.err" "$tmp/new.err"; then
    echo "same: $label ($(wc -c <"$tmp/new") bytes)"
  else
    echo "DIFFERENT: $label"
    diff <(head -c 200000 "$tmp/old") <(head -c 200000 "$tmp/new") | head -20 || true
    diff <(head -c 20000 "$tmp/old.err") <(head -c 20000 "$tmp/new.err") | head -10 || true
    status=1
  fi
}

for input in "${inputs[@]}"; do
  for format in json sarif pretty compact github; do
    same "$input ($format, all rules)" check "$input" --format "$format" --jobs 1 --select ALL --color never
  done
  same "$input (json, default rules)" check "$input" --format json --jobs 1
  same "$input (statistics)" check "$input" --statistics --jobs 1 --select ALL
  same "$input (fixes as a diff)" check "$input" --diff --unsafe-fixes --jobs 1 --select ALL
done
# The change rules, on every old/new pair of tests/corpus-history (kmslint diff).
pairs=0
while read -r old_file; do
  dir=$(dirname "$old_file")
  new_file=$(ls "$dir"/new.* 2>/dev/null | head -1)
  [ -n "$new_file" ] || continue
  for format in json pretty; do
    "$old" diff "$old_file" "$new_file" --format "$format" --color never >>"$tmp/diff-old" 2>&1 || echo "exit $?" >>"$tmp/diff-old"
    "$new" diff "$old_file" "$new_file" --format "$format" --color never >>"$tmp/diff-new" 2>&1 || echo "exit $?" >>"$tmp/diff-new"
  done
  pairs=$((pairs + 1))
done < <(find tests/corpus-history -name 'old.*' | sort)
if cmp -s "$tmp/diff-old" "$tmp/diff-new"; then
  echo "same: kmslint diff on $pairs pairs of tests/corpus-history ($(wc -c <"$tmp/diff-new") bytes)"
else
  echo "DIFFERENT: kmslint diff on tests/corpus-history"
  diff "$tmp/diff-old" "$tmp/diff-new" | head -20 || true
  status=1
fi
same "rules" rules
while read -r code; do
  same "explain $code" explain "$code"
done < <("$old" rules | grep -oE '^KMS[0-9]+' | sort -u)
exit $status
