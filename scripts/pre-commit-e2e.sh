#!/usr/bin/env bash
# End-to-end test of the pre-commit hook in .pre-commit-hooks.yaml.
#
#   scripts/pre-commit-e2e.sh [REPO]
#
# REPO is the hook repository to test: a path or URL that `pre-commit try-repo` accepts.
# Default: a snapshot of this working tree, committed in a temporary repository, so
# uncommitted and untracked files (a new .pre-commit-hooks.yaml included) are tested as
# they are. (`try-repo` on the working tree itself would see only committed and tracked
# files.)
#
# What it proves, in a scratch git repository:
#   1. `pre-commit try-repo REPO kmslint --files bad.yaml` fails and names the rule;
#   2. the same on a fixed good.yaml passes;
#   3. with a .pre-commit-config.yaml as users write it and `pre-commit install`,
#      `git commit` of bad.yaml is refused and the commit of the fixed file goes through.
#
# pre-commit builds kmslint with `cargo install` (language: rust) once per check; that
# takes a minute or two. CARGO_TARGET_DIR, if set, is used (and shared between the builds);
# otherwise a temporary one is. pre-commit is taken from PATH, or installed from PyPI into
# a temporary virtualenv. Everything else lives in a temporary directory, removed at the
# end unless KEEP_TMP=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kmslint-pre-commit-e2e.XXXXXX")
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

# Commits made here must not depend on the user's git configuration.
git_() {
    git -c user.name=kmslint-e2e -c user.email=kmslint-e2e@example.invalid \
        -c commit.gpgsign=false -c init.defaultBranch=main "$@"
}

export PRE_COMMIT_HOME="$WORK/pre-commit-home"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$WORK/cargo-target}"
export PRE_COMMIT_COLOR=never NO_COLOR=1

step "pre-commit"
if command -v pre-commit >/dev/null 2>&1; then
    PRE_COMMIT=$(command -v pre-commit)
else
    python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/python" -m pip install --quiet pre-commit
    PRE_COMMIT="$WORK/venv/bin/pre-commit"
fi
echo "$PRE_COMMIT ($("$PRE_COMMIT" --version))"

step "hook repository"
if [[ $# -ge 1 ]]; then
    HOOK_REPO=$1
    HOOK_REV=$(git ls-remote "$HOOK_REPO" HEAD | cut -f1)
else
    HOOK_REPO="$WORK/hook-repo"
    mkdir -p "$HOOK_REPO"
    # Tracked and untracked files that are not ignored, as they are on disk now.
    (
        cd "$ROOT"
        git ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' f; do
                [[ -e "$f" || -L "$f" ]] && printf '%s\0' "$f"
            done |
            tar --null --files-from=- -cf -
    ) | tar -xf - -C "$HOOK_REPO"
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
run_hook "$WORK/bad.out" "$PRE_COMMIT" try-repo "$HOOK_REPO" kmslint \
    --files bad.yaml || status=$?
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

echo
if [[ $failures -eq 0 ]]; then
    echo "PASS: pre-commit hook end to end (all checks passed)"
else
    echo "FAIL: pre-commit hook end to end ($failures checks failed)"
    exit 1
fi
