#!/usr/bin/env bash
# End-to-end test of kmslint's pre-commit hooks.
#
#   scripts/pre-commit-e2e.sh [REPO]
#   KMSLINT_HOOK=rust scripts/pre-commit-e2e.sh [REPO]
#
# KMSLINT_HOOK chooses the hook:
#   mirror (default, the recommended hook): pre-commit-mirror/, the kmslint-pre-commit
#          repository, `language: python`, which pip-installs the kmslint wheel. The wheel is
#          built here with maturin (from PyPI, in a temporary virtualenv) and pip is pointed
#          at it alone (PIP_NO_INDEX, PIP_FIND_LINKS), as if it were on PyPI; pre-commit runs
#          with no cargo or rustc on PATH, which proves the hook needs no Rust toolchain.
#   rust:  .pre-commit-hooks.yaml, `language: rust`: pre-commit builds kmslint with
#          `cargo install` once per check, a minute or two each. CARGO_TARGET_DIR, if set, is
#          shared between the builds; otherwise a temporary one is.
#
# REPO is the hook repository to test: a path or URL that `pre-commit try-repo` accepts.
# Default: a snapshot of this working tree (rust), or of its pre-commit-mirror/ with the
# versions set to Cargo.toml's (mirror), committed in a temporary repository, so uncommitted
# and untracked files are tested as they are. (`try-repo` on the working tree itself would
# see only committed and tracked files.)
#
# What it proves, in a scratch git repository:
#   1. `pre-commit try-repo REPO kmslint --files bad.yaml` fails and names the rule;
#   2. the same on a fixed good.yaml passes;
#   3. with a .pre-commit-config.yaml as users write it and `pre-commit install`,
#      `git commit` of bad.yaml is refused and the commit of the fixed file goes through;
#   4. with `args: [--fail-level, error]` in that configuration (which replaces the hook's
#      `args`), a bad template under a directory .kmslint.toml excludes is still excluded
#      (--force-exclude is in the hook's `entry`), and bad.yaml elsewhere still fails.
#
# pre-commit is taken from PATH, or installed from PyPI into a temporary virtualenv.
# Everything else lives in a temporary directory, removed at the end unless KEEP_TMP=1.
# It prints how long the first hook run took (pre-commit installing the hook included).
set -euo pipefail

# ROOT, WORK (removed at exit unless KEEP_TMP=1), pass, fail, step: scripts/e2e-common.sh.
E2E_NAME=pre-commit-e2e
# shellcheck source=scripts/e2e-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/e2e-common.sh"

# Commits made here must not depend on the user's git configuration.
git_() {
    git -c user.name=kmslint-e2e -c user.email=kmslint-e2e@example.invalid \
        -c commit.gpgsign=false -c init.defaultBranch=main "$@"
}

HOOK=${KMSLINT_HOOK:-mirror}
case $HOOK in
    mirror | rust) ;;
    *)
        echo "KMSLINT_HOOK must be mirror or rust, not $HOOK" >&2
        exit 2
        ;;
esac
export PRE_COMMIT_HOME="$WORK/pre-commit-home"
export PRE_COMMIT_COLOR=never NO_COLOR=1
now() { date +%s.%N; }

step "pre-commit"
if command -v pre-commit >/dev/null 2>&1; then
    PRE_COMMIT=$(command -v pre-commit)
else
    python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/python" -m pip install --quiet pre-commit
    PRE_COMMIT="$WORK/venv/bin/pre-commit"
fi
echo "$PRE_COMMIT ($("$PRE_COMMIT" --version))"

step "hook repository ($HOOK)"
if [[ $HOOK == mirror ]]; then
    VERSION=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps --offline 2>/dev/null |
        python3 -c 'import json, sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "kmslint"))')
    # The wheel, as PyPI would serve it, and the mirror's build backend, in a wheelhouse that is
    # pip's only source from here on.
    python3 -m venv "$WORK/build-venv"
    "$WORK/build-venv/bin/python" -m pip install --quiet --disable-pip-version-check 'maturin>=1.9,<2'
    "$WORK/build-venv/bin/python" -m pip download --quiet --disable-pip-version-check \
        --dest "$WORK/wheelhouse" 'setuptools>=61'
    t0=$(now)
    (cd "$ROOT" && nice "$WORK/build-venv/bin/maturin" build --release --out "$WORK/wheelhouse" \
        >"$WORK/maturin.log" 2>&1) || {
        sed 's/^/    | /' "$WORK/maturin.log"
        echo "maturin build failed" >&2
        exit 1
    }
    echo "wheel built in $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'): $(cd "$WORK/wheelhouse" && ls kmslint-*.whl)"
    export PIP_NO_INDEX=1 PIP_FIND_LINKS="$WORK/wheelhouse"
    # No Rust toolchain from here on: drop every PATH entry that holds cargo or rustc.
    path=
    IFS=: read -ra dirs <<<"$PATH"
    for d in "${dirs[@]}"; do
        [[ -n $d && ! -e $d/cargo && ! -e $d/rustc ]] && path=${path:+$path:}$d
    done
    export PATH=$path
    if command -v cargo >/dev/null 2>&1 || command -v rustc >/dev/null 2>&1; then
        echo "cargo or rustc is still on PATH" >&2
        exit 1
    fi
    echo "PATH has no cargo and no rustc"
fi
if [[ $# -ge 1 ]]; then
    HOOK_REPO=$1
    HOOK_REV=$(git ls-remote "$HOOK_REPO" HEAD | cut -f1)
else
    HOOK_REPO="$WORK/hook-repo"
    mkdir -p "$HOOK_REPO"
    SNAPSHOT_DIR=.
    [[ $HOOK == mirror ]] && SNAPSHOT_DIR=pre-commit-mirror
    # Tracked and untracked files that are not ignored, as they are on disk now.
    (
        cd "$ROOT/$SNAPSHOT_DIR"
        git ls-files -z --cached --others --exclude-standard -- . |
            while IFS= read -r -d '' f; do
                [[ -e "$f" || -L "$f" ]] && printf '%s\0' "$f"
            done |
            tar --null --files-from=- -cf -
    ) | tar -xf - -C "$HOOK_REPO"
    if [[ $HOOK == mirror ]]; then
        # As a release does: the mirror's version and its kmslint pin are kmslint's.
        sed -i -e "s/^version = .*/version = \"$VERSION\"/" \
            -e "s/\"kmslint==[^\"]*\"/\"kmslint==$VERSION\"/" "$HOOK_REPO/pyproject.toml"
        grep -E '^version|kmslint==' "$HOOK_REPO/pyproject.toml"
    else
        export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$WORK/cargo-target}"
    fi
    git_ -C "$HOOK_REPO" init -q
    git_ -C "$HOOK_REPO" add -A
    git_ -C "$HOOK_REPO" commit -q -m "snapshot of $ROOT"
    HOOK_REV=$(git -C "$HOOK_REPO" rev-parse HEAD)
fi
echo "$HOOK_REPO at $HOOK_REV"

step "scratch project"
PROJECT="$WORK/project"
mkdir -p "$PROJECT"
git_ -C "$PROJECT" init -q
cd "$PROJECT"

# A key whose policy has a statement with `Effect: allow`: KMS206 (policy-syntax), and
# with it no statement allows kms:PutKeyPolicy, so KMS204 (policy-lockout) too.
write_template() { # write_template FILE EFFECT
    cat >"$1" <<EOF
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Key:
    Type: AWS::KMS::Key
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      EnableKeyRotation: true
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - Sid: Enable IAM policies
            Effect: $2
            Principal:
              AWS: !Sub "arn:\${AWS::Partition}:iam::\${AWS::AccountId}:root"
            Action: "kms:*"
            Resource: "*"
EOF
}
write_template bad.yaml allow
write_template good.yaml Allow
# Not a template: the hook must skip it, not fail on it.
printf '{"name": "not-a-template", "version": "1.0.0"}\n' >package.json
echo "$PROJECT: bad.yaml, good.yaml, package.json"

# run_hook OUTFILE ARGS...: run pre-commit, keep its output, return its status.
run_hook() {
    local out=$1
    shift
    local status=0
    "$@" >"$out" 2>&1 || status=$?
    sed 's/^/    | /' "$out"
    return "$status"
}

step "1. try-repo on bad.yaml must fail and name KMS206"
status=0
t0=$(now)
run_hook "$WORK/bad.out" "$PRE_COMMIT" try-repo "$HOOK_REPO" kmslint \
    --files bad.yaml || status=$?
FIRST_RUN=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }')
echo "first run (hook install included): $FIRST_RUN"
if [[ $status -ne 0 ]]; then
    pass "try-repo on bad.yaml failed (status $status)"
else
    fail "try-repo on bad.yaml passed; it should have failed"
fi
if grep -q 'KMS206' "$WORK/bad.out" && grep -q 'Effect: allow' "$WORK/bad.out"; then
    pass "its output names KMS206 at the faulty line"
else
    fail "its output does not name KMS206"
fi
if grep -q 'Failed' "$WORK/bad.out"; then
    pass "pre-commit reports the kmslint hook as Failed"
else
    fail "pre-commit does not report the kmslint hook as Failed"
fi

step "2. try-repo on good.yaml and package.json must pass"
status=0
run_hook "$WORK/good.out" "$PRE_COMMIT" try-repo "$HOOK_REPO" kmslint \
    --files good.yaml package.json || status=$?
if [[ $status -eq 0 ]] && grep -q 'Passed' "$WORK/good.out"; then
    pass "try-repo on good.yaml and package.json passed"
else
    fail "try-repo on good.yaml and package.json failed (status $status)"
fi

step "3. git commit through an installed hook"
cat >.pre-commit-config.yaml <<EOF
repos:
  - repo: $HOOK_REPO
    rev: $HOOK_REV
    hooks:
      - id: kmslint
EOF
"$PRE_COMMIT" install >/dev/null
git_ add .pre-commit-config.yaml package.json
cp bad.yaml keys.yaml
git_ add keys.yaml
status=0
run_hook "$WORK/commit-bad.out" git_ commit -m "add a key" || status=$?
if [[ $status -ne 0 ]] && grep -q 'KMS206' "$WORK/commit-bad.out"; then
    pass "git commit of a bad template was refused, naming KMS206"
else
    fail "git commit of a bad template was not refused with KMS206 (status $status)"
fi
cp good.yaml keys.yaml
git_ add keys.yaml
status=0
run_hook "$WORK/commit-good.out" git_ commit -m "add a key" || status=$?
if [[ $status -eq 0 ]] && git log --oneline -1 | grep -q 'add a key'; then
    pass "git commit of the fixed template went through"
else
    fail "git commit of the fixed template failed (status $status)"
fi

step "4. a user's args: keep --force-exclude (it is in the hook's entry)"
# pre-commit replaces the hook's `args` with the user's, so a hook whose `args` held
# --force-exclude linted the files .kmslint.toml excludes once a user set `args:`.
mkdir -p vendor
cp bad.yaml vendor/keys.yaml
printf 'exclude = ["vendor/"]\n' >.kmslint.toml
cat >.pre-commit-config.yaml <<EOF
repos:
  - repo: $HOOK_REPO
    rev: $HOOK_REV
    hooks:
      - id: kmslint
        args: [--fail-level, error]
EOF
git_ add .kmslint.toml .pre-commit-config.yaml vendor/keys.yaml
status=0
run_hook "$WORK/commit-vendor.out" git_ commit -m "vendor a template" || status=$?
if [[ $status -eq 0 ]] && grep -q 'kmslint.*Passed' "$WORK/commit-vendor.out"; then
    pass "with args: [--fail-level, error], a bad template under the excluded vendor/ was committed"
else
    fail "with args: [--fail-level, error], the commit of vendor/keys.yaml failed (status $status)"
fi
status=0
run_hook "$WORK/override-bad.out" "$PRE_COMMIT" run kmslint --files bad.yaml || status=$?
if [[ $status -ne 0 ]] && grep -q 'KMS206' "$WORK/override-bad.out"; then
    pass "with the same args, bad.yaml (not excluded) still fails with KMS206"
else
    fail "with the same args, bad.yaml did not fail with KMS206 (status $status)"
fi

echo
echo "hook: $HOOK; first run, hook install included: $FIRST_RUN"
if [[ $failures -eq 0 ]]; then
    echo "PASS: pre-commit hook end to end (all checks passed)"
else
    echo "FAIL: pre-commit hook end to end ($failures checks failed)"
    exit 1
fi
