#!/usr/bin/env python3
"""Compares the findings of two kmslint binaries on the same paths.

    scripts/findings-compare.py --before OLD --after NEW [--select KMS] [--diff-out FILE] PATH...

Each binary runs `check --format json` on each PATH (with `--select` when given: `KMS` is
every rule; without it, each binary's default selection). Printed, as Markdown: findings
per code before and after with the change, and the share of findings per severity. With
`--diff-out`, every finding found by only one of them (keyed by path, code, line, column and
message) is written there. Exit status 1 from kmslint means findings and is normal; any other
non-zero status is reported and makes this script exit 2.

Used for the closing notes of issues that change what rules report (how many findings moved,
and which), on the real-world corpus (CONTRIBUTING.md#the-real-world-corpus), tests/corpus-consumers and large
public repositories.
"""

import argparse
import collections
import json
import subprocess
import sys
import time


def run(binary, path, select):
    args = [binary, "check", "--format", "json", "--no-config"]
    if select:
        args += ["--select", select]
    args.append(path)
    started = time.monotonic()
    done = subprocess.run(args, capture_output=True)
    elapsed = time.monotonic() - started
    if done.returncode not in (0, 1):
        sys.stderr.write(
            f"{binary} on {path}: exit {done.returncode}: {done.stderr.decode(errors='replace')[:500]}\n"
        )
        return None, elapsed
    return json.loads(done.stdout), elapsed


def key(d):
    return (d["path"], d["code"], d["start"]["line"], d["start"]["column"], d["message"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", required=True)
    parser.add_argument("--select")
    parser.add_argument("--diff-out")
    parser.add_argument("paths", nargs="+")
    options = parser.parse_args()

    failed = False
    counts = {"before": collections.Counter(), "after": collections.Counter()}
    severities = {"before": collections.Counter(), "after": collections.Counter()}
    found = {"before": set(), "after": set()}
    for path in options.paths:
        for side in ("before", "after"):
            report, elapsed = run(getattr(options, side), path, options.select)
            if report is None:
                failed = True
                continue
            sys.stderr.write(f"{side}: {path}: {len(report['diagnostics'])} findings in {elapsed:.2f} s\n")
            for d in report["diagnostics"]:
                counts[side][d["code"]] += 1
                severities[side][d["severity"]] += 1
                found[side].add(key(d))

    codes = sorted(set(counts["before"]) | set(counts["after"]))
    print("| code | before | after | change |")
    print("|---|---:|---:|---:|")
    for code in codes:
        b, a = counts["before"][code], counts["after"][code]
        change = f"{a - b:+d}" if a != b else ""
        print(f"| {code} | {b} | {a} | {change} |")
    tb, ta = sum(counts["before"].values()), sum(counts["after"].values())
    print(f"| **all** | **{tb}** | **{ta}** | {ta - tb:+d} |")
    print()
    print("| severity | before | share | after | share |")
    print("|---|---:|---:|---:|---:|")
    for severity in ("error", "warning", "info"):
        b, a = severities["before"][severity], severities["after"][severity]
        print(
            f"| {severity} | {b} | {100 * b / max(tb, 1):.0f} % | {a} | {100 * a / max(ta, 1):.0f} % |"
        )

    if options.diff_out:
        with open(options.diff_out, "w") as out:
            for mark, only in (("-", found["before"] - found["after"]), ("+", found["after"] - found["before"])):
                for path, code, line, column, message in sorted(only):
                    out.write(f"{mark} {path}:{line}:{column} {code} {message}\n")
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
