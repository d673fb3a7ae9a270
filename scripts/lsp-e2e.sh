#!/usr/bin/env bash
# End-to-end test of `kmslint server` through two real LSP clients.
#
#   scripts/lsp-e2e.sh [KMSLINT]      (default: $KMSLINT, else target/debug/kmslint)
#
#   1. Neovim's built-in client (scripts/lsp-e2e/nvim.lua, Neovim 0.7 or later, headless):
#      a key without DeletionPolicy gets KMS105 on its logical ID, the quickfix from
#      textDocument/codeAction is applied as Neovim applies it, and the diagnostic goes away.
#   2. pygls (scripts/lsp-e2e/pygls_client.py): the same round trip on a finding after an emoji
#      and a curly quote on its line, checking the UTF-16 column, the edit applied in Python and
#      sent back with didChange.
#
# A client that is not installed is skipped with a message (LSP_E2E_REQUIRE=1 makes a skip a
# failure); a client that fails makes the script exit 1.
#   NVIM             the Neovim binary (default: nvim on PATH);
#   LSP_E2E_PYTHON   a Python with pygls and lsprotocol (default: ~/.local/lsp-e2e-venv/bin/python
#                    when it exists, else python3).
set -euo pipefail
E2E_NAME=lsp-e2e
# shellcheck source=scripts/e2e-common.sh
source "$(dirname "$0")/e2e-common.sh"

kmslint="${1:-${KMSLINT:-$ROOT/target/debug/kmslint}}"
if [[ "$kmslint" == */* ]]; then
    kmslint=$(cd "$(dirname "$kmslint")" && pwd)/$(basename "$kmslint")
fi
if ! command -v "$kmslint" >/dev/null 2>&1; then
    echo "kmslint binary not found: $kmslint (build it, or pass its path)" >&2
    exit 2
fi
export KMSLINT="$kmslint"
skips=0
skip() { printf 'SKIP: %s\n' "$*"; skips=$((skips + 1)); }

step "Neovim ($kmslint server)"
nvim="${NVIM:-nvim}"
if ! command -v "$nvim" >/dev/null 2>&1; then
    skip "Neovim not found (Debian: apt-get install neovim)"
else
    version=$("$nvim" --version | head -n 1)
    if ! "$nvim" --headless --clean -c 'if !has("nvim-0.7") | cquit 1 | endif' -c 'qall!' >/dev/null 2>&1; then
        skip "$version is older than 0.7"
    else
        # Neovim's LSP log goes into the temporary directory, and is shown when the client fails.
        if XDG_CACHE_HOME="$WORK/nvim" XDG_STATE_HOME="$WORK/nvim" \
            timeout 120 "$nvim" --headless --clean -S "$ROOT/scripts/lsp-e2e/nvim.lua" </dev/null; then
            pass "$version"
        else
            fail "$version (exit $?)"
            find "$WORK/nvim" -name 'lsp.log' -exec tail -n 40 {} + 2>/dev/null || true
        fi
    fi
fi

step "pygls ($kmslint server)"
python="${LSP_E2E_PYTHON:-}"
if [[ -z "$python" ]]; then
    if [[ -x "$HOME/.local/lsp-e2e-venv/bin/python" ]]; then
        python="$HOME/.local/lsp-e2e-venv/bin/python"
    else
        python=python3
    fi
fi
if ! pygls_version=$("$python" -c 'import lsprotocol.types, pygls.lsp.client; from importlib.metadata import version; print(version("pygls"))' 2>/dev/null); then
    skip "pygls or lsprotocol not importable by $python (pip install pygls lsprotocol)"
else
    if timeout 120 "$python" "$ROOT/scripts/lsp-e2e/pygls_client.py" --kmslint "$kmslint"; then
        pass "pygls $pygls_version"
    else
        fail "pygls $pygls_version (exit $?)"
    fi
fi

echo
if ((failures > 0)); then
    echo "lsp-e2e: $failures client(s) failed"
    exit 1
fi
if ((skips > 0)) && [[ "${LSP_E2E_REQUIRE:-0}" == 1 ]]; then
    echo "lsp-e2e: $skips client(s) skipped, and LSP_E2E_REQUIRE=1"
    exit 1
fi
echo "lsp-e2e: passed ($skips skipped)"
