#!/usr/bin/env bash
# End-to-end test of the Python wheel (pyproject.toml, maturin `bindings = "bin"`).
#
#   scripts/wheel-e2e.sh
#
# What it proves:
#   1. maturin, installed from PyPI into a throwaway virtualenv, builds a wheel of kmslint
#      (`maturin build --release`) whose name, version and metadata are kmslint's, and whose
#      payload is the `kmslint` binary (in the wheel's .data/scripts) and python/kmslint's
#      two files (for `python -m kmslint`);
#   2. in a fresh virtualenv, with no Rust toolchain involved, `pip install` of that wheel puts
#      `kmslint` on the virtualenv's PATH, `kmslint --version` prints Cargo.toml's version, and
#      `kmslint check` on a fixture exits 1 and names the rule that fires there, and
#      `python -m kmslint` does the same, with the venv's bin/ not on PATH;
#   3. the sdist (`maturin sdist`) carries what a build from it needs (Cargo.lock, rules/*.md,
#      which crates/kmslint-core includes with include_str!, and the workspace's crates).
# It prints the wheel's size, the build time and the time from an empty virtualenv to the first
# `kmslint check`.
#
# The wheel is built in this repository's target/ (or CARGO_TARGET_DIR), so the release build is
# incremental when `cargo build --release` has run before. Everything else lives in a temporary
# directory, removed at the end unless KEEP_TMP=1. Needs python3 (with venv) and cargo, and
# network access to PyPI (for maturin).
set -euo pipefail

# ROOT, WORK (removed at exit unless KEEP_TMP=1), pass, fail, step: scripts/e2e-common.sh.
E2E_NAME=wheel-e2e
# shellcheck source=scripts/e2e-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/e2e-common.sh"
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f s", b - a }'; }

# The version the wheel must carry: Cargo.toml's.
VERSION=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps --offline 2>/dev/null |
    python3 -c 'import json, sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "kmslint"))')
echo "kmslint $VERSION (Cargo.toml)"

step "maturin, from PyPI, in a throwaway virtualenv"
python3 -m venv "$WORK/build-venv"
"$WORK/build-venv/bin/python" -m pip install --quiet --disable-pip-version-check 'maturin>=1.9,<2'
MATURIN="$WORK/build-venv/bin/maturin"
echo "$("$MATURIN" --version)"

step "1. maturin build --release"
t0=$(now)
(cd "$ROOT" && nice "$MATURIN" build --release --out "$WORK/dist" >"$WORK/build.log" 2>&1) || {
    sed 's/^/    | /' "$WORK/build.log"
    fail "maturin build failed"
    exit 1
}
t1=$(now)
BUILD_TIME=$(elapsed "$t0" "$t1")
grep -E 'Built wheel|📦|🔗' "$WORK/build.log" | sed 's/^/    | /' || true
shopt -s nullglob
wheels=("$WORK"/dist/kmslint-"$VERSION"-py3-none-*.whl)
shopt -u nullglob
if [[ ${#wheels[@]} -eq 1 ]]; then
    WHEEL=${wheels[0]}
    pass "built $(basename "$WHEEL") in $BUILD_TIME"
else
    fail "expected one kmslint-$VERSION-py3-none-*.whl, found: $(ls "$WORK/dist")"
    exit 1
fi
WHEEL_BYTES=$(stat -c %s "$WHEEL")
# What the wheel holds and says about itself.
python3 - "$WHEEL" "$VERSION" >"$WORK/wheel-check.out" 2>&1 <<'EOF' && pass "wheel contents and metadata: $(tr '\n' ' ' <"$WORK/wheel-check.out")" || { sed 's/^/    | /' "$WORK/wheel-check.out"; fail "wheel contents or metadata"; }
import sys, zipfile
from email.parser import Parser
wheel, version = sys.argv[1], sys.argv[2]
names = zipfile.ZipFile(wheel).namelist()
payload = sorted(n for n in names if ".dist-info/" not in n)
package = ["kmslint/__init__.py", "kmslint/__main__.py"]
assert payload in (sorted(package + [f"kmslint-{version}.data/scripts/kmslint"]), sorted(package + [f"kmslint-{version}.data/scripts/kmslint.exe"])), payload
meta = Parser().parsestr(zipfile.ZipFile(wheel).read(f"kmslint-{version}.dist-info/METADATA").decode())
assert meta["Name"] == "kmslint" and meta["Version"] == version, (meta["Name"], meta["Version"])
assert meta["Requires-Python"], "no Requires-Python"
assert meta.get("License-Expression") == "MIT" or meta.get("License") == "MIT", "no MIT license"
assert meta["Description-Content-Type"].startswith("text/markdown"), "no README"
print(f"payload {' '.join(payload)}; Name {meta['Name']}, Version {meta['Version']}, Requires-Python {meta['Requires-Python']}")
EOF

step "2. from an empty virtualenv to the first kmslint check"
FIXTURE=fixtures/KMS204/bad-deny.yaml
t0=$(now)
python3 -m venv "$WORK/user-venv"
t_venv=$(now)
"$WORK/user-venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index "$WHEEL"
t_pip=$(now)
status=0
(cd "$ROOT" && PATH="$WORK/user-venv/bin:$PATH" kmslint check --format compact "$FIXTURE") >"$WORK/check.out" 2>&1 || status=$?
t_check=$(now)
FIRST_RUN="$(elapsed "$t0" "$t_check") (venv $(elapsed "$t0" "$t_venv"), pip install $(elapsed "$t_venv" "$t_pip"), check $(elapsed "$t_pip" "$t_check"))"
sed 's/^/    | /' "$WORK/check.out"
if [[ -x "$WORK/user-venv/bin/kmslint" ]]; then
    pass "the wheel installed $WORK/user-venv/bin/kmslint"
else
    fail "no kmslint in the virtualenv's bin/"
fi
out=$("$WORK/user-venv/bin/kmslint" --version 2>&1) || true
if [[ "$out" == "kmslint $VERSION" ]]; then
    pass "kmslint --version prints '$out'"
else
    fail "kmslint --version printed '$out', expected 'kmslint $VERSION'"
fi
if [[ $status -eq 1 ]]; then
    pass "kmslint check $FIXTURE exited 1 (findings)"
else
    fail "kmslint check $FIXTURE exited $status, expected 1"
fi
if grep -q "^$FIXTURE:10:9: error\[KMS204\]" "$WORK/check.out"; then
    pass "its output has the KMS204 finding at $FIXTURE:10:9"
else
    fail "its output lacks the KMS204 finding at $FIXTURE:10:9"
fi

# `python -m kmslint`, as `python -m ruff`: the package finds the binary in the scripts
# directory, so it runs with the virtualenv's bin/ off PATH (an absolute interpreter path).
out=$(cd "$ROOT" && "$WORK/user-venv/bin/python" -m kmslint --version 2>&1) || true
if [[ "$out" == "kmslint $VERSION" ]]; then
    pass "python -m kmslint --version prints '$out'"
else
    fail "python -m kmslint --version printed '$out', expected 'kmslint $VERSION'"
fi
status=0
(cd "$ROOT" && "$WORK/user-venv/bin/python" -m kmslint check --format compact "$FIXTURE") >"$WORK/pym-check.out" 2>&1 || status=$?
if [[ $status -eq 1 ]] && grep -q "^$FIXTURE:10:9: error\[KMS204\]" "$WORK/pym-check.out"; then
    pass "python -m kmslint check $FIXTURE exited 1 with the KMS204 finding"
else
    sed 's/^/    | /' "$WORK/pym-check.out"
    fail "python -m kmslint check $FIXTURE exited $status, expected 1 with KMS204"
fi

step "3. the sdist"
(cd "$ROOT" && "$MATURIN" sdist --out "$WORK/sdist" >"$WORK/sdist.log" 2>&1) || {
    sed 's/^/    | /' "$WORK/sdist.log"
    fail "maturin sdist failed"
}
sdist=("$WORK"/sdist/kmslint-"$VERSION".tar.gz)
if [[ -f "${sdist[0]}" ]]; then
    listing=$(tar -tzf "${sdist[0]}")
    missing=()
    for f in pyproject.toml Cargo.toml Cargo.lock README.md src/main.rs rules/KMS204.md \
        python/kmslint/__init__.py python/kmslint/__main__.py \
        crates/kmslint-core/Cargo.toml crates/kmslint-core/src/lib.rs \
        crates/kmslint-server/Cargo.toml crates/kmslint-server/src/lib.rs; do
        grep -qx "kmslint-$VERSION/$f" <<<"$listing" || missing+=("$f")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        pass "$(basename "${sdist[0]}") ($(stat -c %s "${sdist[0]}") bytes) has pyproject.toml, Cargo.lock, src/, the crates and rules/"
    else
        fail "the sdist lacks: ${missing[*]}"
    fi
else
    fail "no kmslint-$VERSION.tar.gz"
fi

echo
echo "wheel:        $(basename "$WHEEL"), $WHEEL_BYTES bytes ($(awk -v b="$WHEEL_BYTES" 'BEGIN { printf "%.1f MB", b / 1e6 }'))"
echo "build:        $BUILD_TIME (maturin build --release, target dir reused)"
echo "first check:  $FIRST_RUN"
if [[ $failures -eq 0 ]]; then
    echo "PASS: wheel end to end (all checks passed)"
else
    echo "FAIL: wheel end to end ($failures checks failed)"
    exit 1
fi
