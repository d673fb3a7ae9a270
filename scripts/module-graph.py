#!/usr/bin/env python3
"""The module graph of kmslint-core: which top-level modules use which (`crate::X` paths in
code, not in comments or strings; test modules counted apart). Prints one `from -> to` edge a
line and exits 1 when the non-test edges have a cycle.

    scripts/module-graph.py [--tests]
"""

import argparse
import pathlib
import re
import sys

SRC = pathlib.Path(__file__).resolve().parent.parent / "crates" / "kmslint-core" / "src"

# Comments, strings and character literals, which may hold `crate::` or braces that are not code.
LEXEME = re.compile(
    r"""//[^\n]*|/\*.*?\*/|r(\#*)".*?"\1|b?"(?:\\.|[^"\\])*"|b?'(?:\\.|[^'\\])'""",
    re.S,
)


def code_of(text):
    def blank(m):
        return " " if m.group(0).startswith("/") else '""'

    return LEXEME.sub(blank, text)


def split_tests(code):
    """(code outside `#[cfg(test)]` items, code inside them)."""
    outside, inside = [], []
    at = 0
    for m in re.finditer(r"#\[cfg\(test\)\]", code):
        if m.start() < at:
            continue
        brace = code.find("{", m.end())
        semi = code.find(";", m.end())
        if brace < 0 or (0 <= semi < brace):
            continue
        depth, i = 0, brace
        while i < len(code):
            if code[i] == "{":
                depth += 1
            elif code[i] == "}":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        outside.append(code[at : m.start()])
        inside.append(code[m.start() : i + 1])
        at = i + 1
    outside.append(code[at:])
    return "".join(outside), "".join(inside)


def root_names(modules):
    """What lib.rs re-exports at the root (`pub use module::{A, b}`), by name: module."""
    names = {}
    code = code_of((SRC / "lib.rs").read_text())
    for m in re.finditer(r"pub use (\w+)::(\{[^}]*\}|\w+)\s*;", code):
        module, items = m.group(1), m.group(2).strip("{}")
        if module in modules:
            for item in items.split(","):
                name = item.strip().split(" as ")[-1].strip()
                if name:
                    names[name] = module
    return names


def used(code, modules, names):
    """The top-level modules `code` names through `crate::`."""
    found = set()
    for m in re.finditer(r"\bcrate::(\{[^}]*\}|\w+)", code):
        target = m.group(1)
        for first in re.findall(r"(?:^|[{,])\s*(\w+)", target) if target.startswith("{") else [target]:
            found.add(first if first in modules else names.get(first, "(root)"))
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tests", action="store_true", help="also print test-only edges")
    args = parser.parse_args()
    modules = {p.stem if p.is_file() else p.name for p in SRC.iterdir() if p.name != "lib.rs"}
    modules = {m for m in modules if re.fullmatch(r"\w+", m)}
    names = root_names(modules)
    edges, test_edges = set(), set()
    for path in sorted(SRC.rglob("*.rs")):
        rel = path.relative_to(SRC)
        if rel == pathlib.Path("lib.rs"):
            continue
        module = rel.parts[0].removesuffix(".rs")
        code, tests = split_tests(code_of(path.read_text()))
        edges |= {(module, to) for to in used(code, modules, names) if to != module}
        test_edges |= {(module, to) for to in used(tests, modules, names) if to != module}
    for a, b in sorted(edges):
        print(f"{a} -> {b}")
    if args.tests:
        for a, b in sorted(test_edges - edges):
            print(f"{a} -> {b} (tests only)")
    graph = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
    cycle = find_cycle(graph)
    if cycle:
        print("cycle: " + " -> ".join(cycle), file=sys.stderr)
        return 1
    return 0


def find_cycle(graph):
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


if __name__ == "__main__":
    sys.exit(main())
