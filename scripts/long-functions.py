#!/usr/bin/env python3
"""Lists functions over 120 lines in the project's Rust files (git-tracked, vendor/ excluded)
that do not say why they must be one: the comment above such a function has to contain
"one function" (as in "One function on purpose: …"). Exits 1 when one is found.

The count runs from the `fn` line to its closing brace, by counting braces outside comments,
strings and character literals: a heuristic that is exact for rustfmt-formatted code.

    scripts/long-functions.py [--all]    # --all: list every long function, explained or not
"""

import re
import subprocess
import sys

LIMIT = 120
FN = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+(\w+)")


def code_of(line):
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])'", "''", line)
    return re.sub(r"//.*", "", line)


def explained(lines, at):
    """Whether the comment block right above line `at` (skipping attributes) says why."""
    i = at - 1
    text = []
    while i >= 0 and (lines[i].strip().startswith(("///", "//", "#["))):
        text.append(lines[i].lower())
        i -= 1
    return any("one function" in t for t in text)


def main():
    show_all = "--all" in sys.argv[1:]
    files = subprocess.run(
        ["git", "ls-files", "*.rs"], capture_output=True, text=True, check=True
    ).stdout.split()
    unexplained = 0
    for path in files:
        if path.startswith("vendor/"):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
        for i, line in enumerate(lines):
            match = FN.match(line)
            if not match:
                continue
            depth, opened, j = 0, False, i
            while j < len(lines):
                code = code_of(lines[j])
                depth += code.count("{") - code.count("}")
                opened = opened or "{" in code
                if (opened and depth <= 0) or (not opened and ";" in code):
                    break
                j += 1
            length = j - i + 1
            if length <= LIMIT:
                continue
            ok = explained(lines, i)
            if not ok:
                unexplained += 1
            if show_all or not ok:
                mark = "explained" if ok else "NO REASON GIVEN"
                print(f"{length:5} {path}:{i + 1} {match.group(6)} ({mark})")
    if unexplained:
        print(
            f"{unexplained} function(s) over {LIMIT} lines without a comment saying why they must "
            'be one ("One function on purpose: …"): split them, or say why',
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
