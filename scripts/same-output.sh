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
    # Exit 1 means findings, not a failed run.
    "$old" check "$input" --format "$format" --jobs 1 --select KMS >"$tmp/old" 2>"$tmp/old.err" || [ $? -eq 1 ]
    "$new" check "$input" --format "$format" --jobs 1 --select KMS >"$tmp/new" 2>"$tmp/new.err" || [ $? -eq 1 ]
    if cmp -s "$tmp/old" "$tmp/new" && cmp -s "$tmp/old.err" "$tmp/new.err"; then
      echo "same: $input ($format, $(wc -c <"$tmp/new") bytes)"
    else
      echo "DIFFERENT: $input ($format)"
      diff <(head -c 200000 "$tmp/old") <(head -c 200000 "$tmp/new") | head -20 || true
      status=1
    fi
  done
done
exit $status
