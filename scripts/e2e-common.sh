# The setup shared by scripts/wheel-e2e.sh, scripts/pre-commit-e2e.sh and scripts/lsp-e2e.sh,
# which source it after `set -euo pipefail` with E2E_NAME set to their name:
#   ROOT      this repository;
#   WORK      a temporary directory, removed at exit unless KEEP_TMP=1;
#   pass, fail, step   PASS:/FAIL: lines and step headings; fail counts into `failures`.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kmslint-$E2E_NAME.XXXXXX")
cleanup() {
    if [[ "${KEEP_TMP:-0}" == 1 ]]; then
        echo "kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

failures=0
pass() { printf 'PASS: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
step() { printf '\n== %s\n' "$*"; }
