#!/usr/bin/env bash
# Checks that two kmslint binaries print byte-identical JSON reports (all rules, one thread)
# on the benchmark corpus, tests/corpus-consumers and fixtures/: a speed change must not
# change what is reported.
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
for input in "${inputs[@]}"; do
  for format in json sarif; do
    # Exit 1 means findings, not a failed run; the statuses must agree too.
    old_status=0
    new_status=0
    "$old" check "$input" --format "$format" --jobs 1 --select KMS >"$tmp/old" 2>"$tmp/old.err" || old_status=$?
    "$new" check "$input" --format "$format" --jobs 1 --select KMS >"$tmp/new" 2>"$tmp/new.err" || new_status=$?
    if [ "$old_status" -ne "$new_status" ]; then
      echo "DIFFERENT: $input ($format): exit $old_status before, $new_status after"
      head -5 "$tmp/new.err"
      status=1
    elif cmp -s "$tmp/old" "$tmp/new" && cmp -s "$tmp/old.err" "$tmp/new.err"; then
      echo "same: $input ($format, $(wc -c <"$tmp/new") bytes)"
    else
      echo "DIFFERENT: $input ($format)"
      diff <(head -c 200000 "$tmp/old") <(head -c 200000 "$tmp/new") | head -20 || true
      status=1
    fi
  done
done
exit $status
