#!/usr/bin/env python3
"""Lists functions over 120 lines in the project's Rust files (git-tracked, vendor/ excluded)
that do not say why they must be one: the comment above such a function has to say so ("One
function on purpose: …", "One test on purpose: …", "… as a table"). Exits 1 when one is found.

The count runs from the `fn` line to its closing brace, counting braces outside comments,
strings and character literals.

    scripts/long-functions.py [--all]    # --all: list every long function, explained or not
"""

import re
import subprocess
import sys

LIMIT = 120
# What the comment above a long function says when it explains itself.
REASONS = ("one function", "one test", "on purpose", "as a table")
FN = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+(\w+)")


def code_lines(text):
    """The file's lines with comments, strings (raw, byte, multi-line) and character literals
    blanked, so that only code braces are left to count."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif (raw := re.match(r'b?r(#*)"', text[i:i + 260])) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            close = '"' + raw.group(1)
            j = text.find(close, i + raw.end())
            j = n if j < 0 else j + len(close)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "'" and (lit := re.match(r"'(\\.[^']*|[^'\\])'", text[i:i + 12])):
            out.append(" " * lit.end())
            i += lit.end()
        else:
            out.append(c)
            i += 1
    return "".join(out).split("\n")


def explained(lines, at):
    """Whether the comment block right above line `at` (skipping attributes) says why."""
    i = at - 1
    text = []
    while i >= 0 and (lines[i].strip().startswith(("///", "//", "#["))):
        text.append(lines[i].lower())
        i -= 1
    return any(phrase in t for t in text for phrase in REASONS)


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
            text = f.read()
        lines = text.split("\n")
        codes = code_lines(text)
        for i, line in enumerate(lines):
            match = FN.match(codes[i])
            if not match:
                continue
            depth, opened, j = 0, False, i
            while j < len(lines):
                code = codes[j]
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
