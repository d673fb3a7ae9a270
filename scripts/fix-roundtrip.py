#!/usr/bin/env python3
"""Round trip of `kmslint check --fix --unsafe-fixes` through parsers kmslint does not share.

For every fixture (fixtures/*/bad* and good*, .yaml/.yml/.json/.template, the KMS001 folder
left out; the old versions of change-rule pairs, `*.old.*`, are fixed on their own like any
template, which they are) and every file of the real-world corpus (its usual place, see
CONTRIBUTING.md#the-real-world-corpus; or $KMSLINT_TEST_CORPUS; or --corpus DIR), on a copy in a
temporary directory:

  1. `kmslint check --no-config --format json FILE` records the JSON pointers of the findings
     whose fix `--unsafe-fixes` applies (`"fix": {"applicability": "safe" | "unsafe", ...}`);
  2. `kmslint check --no-config --fix --unsafe-fixes FILE` fixes the copy (exit status 0 or 1);
  3. the original and the fixed file are loaded with PyYAML (CloudFormation's short tags read
     as their long forms, `!Ref x` as {"Ref": x}) or json, a `KeyPolicy` given as a string is
     parsed as JSON on both sides, and the two trees are compared: they may differ only at or
     under the parent of a fixed finding's pointer (an inserted entry changes the mapping it
     goes into).

A file that does not load with these parsers before fixing is skipped; one that does not load
after fixing is a failure. Fixture arguments (`# args:` first line or a `.args` file:
--region, --account, --deployer-arn, --parameter) are passed on.

If kmslint's JSON output has no `fix` key at all (a build whose renderer does not write it),
the pointers of the findings that are gone after fixing stand in for the fixed ones, and a
note says so.

Prints a verdict for each failure and `N files checked, M fixed, K failures`; exits 1 on any
failure, 2 when it cannot run (no binary, no --fix in it, no PyYAML).

Usage: scripts/fix-roundtrip.py [--kmslint PATH] [--corpus DIR] [--jobs N] [-v]
The binary defaults to $KMSLINT, else target/release/kmslint. Needs no network.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXTENSIONS = {".yaml", ".yml", ".json", ".template"}
# Fixture arguments that are `kmslint check` options; the rest (`--also`) are the test
# harness's own.
PASSED_ON = {"--region", "--account", "--deployer-arn", "--parameter"}
APPLIED = {"safe", "unsafe"}
TIMEOUT = 120

try:
    import yaml
except ImportError:  # pragma: no cover - reported in main
    yaml = None


# --- loading with outside parsers ------------------------------------------------------------

SHORT_TAGS = [
    "Ref", "Sub", "GetAtt", "If", "Equals", "Join", "Select", "Split", "FindInMap", "Base64",
    "Cidr", "ImportValue", "GetAZs", "Not", "And", "Or", "Condition", "Transform",
]


def _long_name(tag: str) -> str:
    return tag if tag in ("Ref", "Condition") else f"Fn::{tag}"


def _construct(loader, node):
    """The node's value, as the untagged node would load (deep, so nested tags are read)."""
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


if yaml is not None:

    # libyaml's loader when PyYAML has it (its wheels do): several times faster.
    class CfnLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        """SafeLoader that reads CloudFormation's short tags as their long forms."""

    for _tag in SHORT_TAGS:
        CfnLoader.add_constructor(
            f"!{_tag}",
            lambda loader, node, name=_long_name(_tag): {name: _construct(loader, node)},
        )
    # Any other local tag keeps its name, so the file still loads and compares.
    CfnLoader.add_multi_constructor(
        "!", lambda loader, suffix, node: {f"!{suffix}": _construct(loader, node)}
    )


def load(path: Path):
    """The file's tree, or raises."""
    text = path.read_bytes().decode("utf-8-sig")
    suffix = path.suffix.lower()
    if suffix == ".json":
        tree = json.loads(text)
    elif suffix == ".template":
        try:
            tree = json.loads(text)
        except ValueError:
            tree = yaml.load(text, Loader=CfnLoader)
    else:
        tree = yaml.load(text, Loader=CfnLoader)
    return parse_policy_strings(tree)


def parse_policy_strings(tree):
    """A `KeyPolicy` written as a string becomes the JSON it holds (left as is if not JSON)."""
    if isinstance(tree, dict):
        out = {}
        for key, value in tree.items():
            if key == "KeyPolicy" and isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            out[key] = parse_policy_strings(value)
        return out
    if isinstance(tree, list):
        return [parse_policy_strings(item) for item in tree]
    return tree


# --- comparing -------------------------------------------------------------------------------


def tokens(pointer: str) -> tuple[str, ...]:
    if not pointer:
        return ()
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:])


def differences(a, b, path=()):
    """The paths where the trees differ: a key only on one side, a list whose length changed,
    or a different value."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in list(a) + [k for k in b if k not in a]:
            if key not in a or key not in b:
                out.append(path + (str(key),))
            else:
                out.extend(differences(a[key], b[key], path + (str(key),)))
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [path]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out.extend(differences(x, y, path + (str(i),)))
        return out
    if type(a) is not type(b) or a != b:
        return [path]
    return []


def scope(code: str, pointer: tuple[str, ...]) -> tuple[str, ...]:
    """Where a fix may change the data, as a pointer whose parent is the limit. A suppression's
    fix (KMS006 removes an unused one, KMS007 rewrites a malformed one) may remove or rename
    its whole `Metadata` entry when it is left empty, so its limit is the `Metadata` key's
    parent; other fixes stay within the parent of their finding's node."""
    if code in ("KMS006", "KMS007"):
        for i, token in enumerate(pointer):
            if token == "Metadata":
                return pointer[: i + 1]
    return pointer


def allowed(path: tuple[str, ...], fixed: list[tuple[str, ...]]) -> bool:
    """Whether `path` is at or under the parent of a fixed finding's pointer."""
    return any(path[: max(len(p) - 1, 0)] == p[: max(len(p) - 1, 0)] for p in fixed)


def show(path: tuple[str, ...]) -> str:
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in path) or "(root)"


# --- running kmslint -------------------------------------------------------------------------


def fixture_args(path: Path) -> list[str]:
    try:
        first = path.read_text(encoding="utf-8-sig").split("\n", 1)[0]
    except (UnicodeDecodeError, OSError):
        first = ""
    if first.startswith("# args:"):
        words = first[len("# args:"):].split()
    else:
        sidecar = Path(f"{path}.args")
        words = sidecar.read_text().split() if sidecar.is_file() else []
    out = []
    for flag, value in zip(words[::2], words[1::2]):
        if flag in PASSED_ON:
            out += [flag, value]
    return out


def run(kmslint: str, args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [kmslint, "check", "--no-config", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, "NO_COLOR": "1"},
    )


def findings(kmslint: str, name: str, extra: list[str], cwd: Path):
    """The findings of `kmslint check --format json`, or raises with kmslint's stderr."""
    result = run(kmslint, ["--format", "json", *extra, name], cwd)
    if result.returncode not in (0, 1):
        raise RuntimeError(f"check --format json exited {result.returncode}: {result.stderr.strip()}")
    return json.loads(result.stdout)["diagnostics"]


class Result:
    def __init__(self, label: str):
        self.label = label
        self.skipped = None  # why, when not checked
        self.fixed = False
        self.failures: list[str] = []
        self.no_fix_key = False


def check_file(kmslint: str, source: Path, label: str, work: Path, index: int) -> Result:
    result = Result(label)
    try:
        original = load(source)
    except Exception as error:  # noqa: BLE001 - any loader error skips the file
        result.skipped = f"does not load before fixing: {type(error).__name__}"
        return result
    cwd = work / str(index)
    cwd.mkdir()
    copy = cwd / source.name
    shutil.copyfile(source, copy)
    extra = fixture_args(source)
    try:
        before = findings(kmslint, copy.name, extra, cwd)
        fix = run(kmslint, ["--fix", "--unsafe-fixes", *extra, copy.name], cwd)
        if fix.returncode not in (0, 1):
            result.failures.append(f"check --fix --unsafe-fixes exited {fix.returncode}: {fix.stderr.strip()}")
            return result
    except (RuntimeError, ValueError, subprocess.TimeoutExpired) as error:
        result.failures.append(str(error))
        return result
    if copy.read_bytes() == source.read_bytes():
        return result
    result.fixed = True
    if any("fix" in d for d in before):
        fixed = [
            scope(d["code"], tokens(d["pointer"]))
            for d in before
            if isinstance(d.get("fix"), dict) and d["fix"].get("applicability") in APPLIED
        ]
    else:
        # No `fix` key in this build's output: the findings gone after fixing were fixed.
        result.no_fix_key = True
        try:
            after = findings(kmslint, copy.name, extra, cwd)
        except (RuntimeError, ValueError) as error:
            result.failures.append(f"after fixing: {error}")
            return result
        left = {(d["code"], d["pointer"]) for d in after}
        fixed = [tokens(d["pointer"]) for d in before if (d["code"], d["pointer"]) not in left]
    try:
        fixed_tree = load(copy)
    except Exception as error:  # noqa: BLE001
        result.failures.append(f"the fixed file does not load: {type(error).__name__}: {error}")
        return result
    for path in differences(original, fixed_tree):
        if not allowed(path, fixed):
            result.failures.append(
                f"changed at {show(path)}, outside the parents of the fixed findings "
                f"{sorted(show(p) for p in fixed)}"
            )
    return result


# --- inputs ----------------------------------------------------------------------------------


def inputs(corpus: Path | None) -> list[tuple[Path, str]]:
    out = []
    for folder in sorted((ROOT / "fixtures").iterdir()):
        if not folder.is_dir() or folder.name == "KMS001":
            continue
        for path in sorted(folder.iterdir()):
            if (
                path.is_file()
                and path.suffix.lower() in EXTENSIONS
                and path.name.startswith(("bad", "good"))
            ):
                out.append((path, f"fixtures/{folder.name}/{path.name}"))
    if corpus is not None:
        for path in sorted(corpus.rglob("*")):
            if path.is_file() and path.suffix.lower() in EXTENSIONS:
                out.append((path, f"corpus/{path.relative_to(corpus).as_posix()}"))
    return out


def has_fix_flags(kmslint: str) -> bool:
    result = subprocess.run([kmslint, "check", "--help"], capture_output=True, text=True, timeout=TIMEOUT)
    return "--fix" in result.stdout and "--unsafe-fixes" in result.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kmslint", default=os.environ.get("KMSLINT", str(ROOT / "target/release/kmslint")))
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("-v", "--verbose", action="store_true", help="print skipped files too")
    args = parser.parse_args()

    if yaml is None:
        print("fix-roundtrip: PyYAML is not installed (pip install pyyaml)", file=sys.stderr)
        return 2
    kmslint = str(Path(args.kmslint).resolve()) if os.sep in args.kmslint else args.kmslint
    if shutil.which(kmslint) is None:
        print(f"fix-roundtrip: no kmslint binary at {args.kmslint} (cargo build --release, or "
              "pass --kmslint PATH or set KMSLINT)", file=sys.stderr)
        return 2
    if not has_fix_flags(kmslint):
        print(f"fix-roundtrip: {kmslint} has no `check --fix --unsafe-fixes`: this build predates "
              "automatic fixes (issue 12), so there is nothing to round-trip", file=sys.stderr)
        return 2

    corpus = args.corpus
    if corpus is None:
        corpus = Path(os.environ.get("KMSLINT_TEST_CORPUS", ROOT / "../shared/corpus"))
    if not corpus.is_dir():
        print(f"fix-roundtrip: no corpus at {corpus}: checking the fixtures only", file=sys.stderr)
        corpus = None
    files = inputs(corpus)

    with tempfile.TemporaryDirectory(prefix="kmslint-fix-roundtrip-") as work:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
            results = list(
                pool.map(
                    lambda item: check_file(kmslint, item[1][0], item[1][1], Path(work), item[0]),
                    enumerate(files),
                )
            )

    checked = [r for r in results if r.skipped is None]
    failed = [r for r in checked if r.failures]
    for r in results:
        if r.skipped is not None and args.verbose:
            print(f"skip {r.label}: {r.skipped}")
        for failure in r.failures:
            print(f"FAIL {r.label}: {failure}")
    if any(r.no_fix_key for r in checked):
        print("note: kmslint's JSON output has no `fix` key; the findings gone after fixing "
              "were taken as the fixed ones", file=sys.stderr)
    fixed = sum(r.fixed for r in checked)
    skipped = len(results) - len(checked)
    print(f"{len(checked)} files checked, {fixed} fixed, {len(failed)} failures"
          f" ({skipped} skipped: they do not load with PyYAML/json)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
