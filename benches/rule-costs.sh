#!/usr/bin/env bash
# Where the instructions of a lint go: each phase and each rule, counted by callgrind on one
# thread, next to the parse floor; rewrites the table between the rule-costs markers of
# benches/README.md.
#
#   benches/rule-costs.sh [KMSLINT [PARSE_FLOOR [PATH]]]
#
# Defaults: target/release/kmslint, target/release/examples/parse_floor (both built when
# absent) and the real-world corpus (CONTRIBUTING.md#the-real-world-corpus). Needs valgrind and
# python3. Instruction counts are steady from run to run, unlike wall times on a shared machine. A rule's cost is the inclusive cost
# of its `check` and `check_policy` (rules are called through `dyn Rule`, so never inlined
# into their caller); what the scenario engine spends building each policy's model is the
# `policy model` phase.
set -euo pipefail
cd "$(dirname "$0")/.."
kmslint="${1:-target/release/kmslint}"
floor="${2:-target/release/examples/parse_floor}"
input="${3:-../shared/corpus}"
[ -x "$kmslint" ] || cargo build --release --quiet --bin kmslint
[ -x "$floor" ] || cargo build --release --quiet --example parse_floor
out=target/bench-results
mkdir -p "$out"
valgrind --tool=callgrind --callgrind-out-file="$out/check.callgrind" \
  "$kmslint" check "$input" --format json --jobs 1 --select KMS >/dev/null 2>"$out/check.valgrind" || true
RAYON_NUM_THREADS=1 valgrind --tool=callgrind --callgrind-out-file="$out/floor.callgrind" \
  "$floor" "$input" >/dev/null 2>"$out/floor.valgrind"
callgrind_annotate --inclusive=yes --threshold=100 "$out/check.callgrind" >"$out/check.annotate"
callgrind_annotate --inclusive=yes --threshold=100 "$out/floor.callgrind" >"$out/floor.annotate"

python3 - "$out" "$input" <<'PY'
import datetime, re, sys
out, input_path = sys.argv[1], sys.argv[2]

def costs(path):
    table, total = {}, None
    for line in open(path):
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(?:\?\?\?|[^:]*):(.*?) \[", line)
        if m:
            name = m.group(2)
            table.setdefault(name, int(m.group(1).replace(",", "")))
        m = re.match(r"\s*([\d,]+) \(100.0%\)\s+PROGRAM TOTALS", line)
        if m:
            total = int(m.group(1).replace(",", ""))
    return table, total

check, total = costs(f"{out}/check.annotate")
_, floor = costs(f"{out}/floor.annotate")

def get(name):
    return check.get(name, 0)

M = lambda n: f"{n / 1e6:,.1f} M"
pct = lambda n: f"{100 * n / total:.1f} %"

phases = [
    ("discovery (walk, ignore files, configuration)", "kmslint::discover::discover_with"),
    ("load (read, decode, parse into the located tree)", "kmslint_core::source::load_file"),
    ("free the tree", "core::ptr::drop_in_place<kmslint_core::source::Loaded>"),
    ("template model", "kmslint_core::model::template::Template::new"),
    ("embedded policies", "kmslint_core::model::embedded_policies"),
    ("conditions", "kmslint_core::model::conditions::Conditions::new"),
    ("consumer index", "kmslint_core::model::consumers::ConsumerIndex::new"),
    ("rules (all, below)", "kmslint_core::rules::run"),
    ("  of which: policy scenarios (`check_policy` rules, models included)", "kmslint_core::rules::check_policy"),
    ("  of which: policy model built per scenario", "kmslint_core::model::policy::KeyPolicy::build"),
    ("suppressions", "kmslint_core::suppress::apply"),
    ("finish (pointers, stable pointers, positions, sort)", "kmslint_core::pipeline::finish"),
    ("render (JSON) and write", "kmslint::cli::check::report::print_output"),
]
lines = [
    f"| phase | instructions | share |",
    "|---|---:|---:|",
]
for label, fn in phases:
    lines.append(f"| {label} | {M(get(fn))} | {pct(get(fn))} |")
lines.append(f"| **whole run** | **{M(total)}** | 100 % |")
lines.append(f"| parse floor (`examples/parse_floor`, one thread) | {M(floor)} | ratio **{total / floor:.2f}×** |")

registry = re.findall(r"(KMS\d+) => (\w+)::(\w+),", open("crates/kmslint-core/src/rules/mod.rs").read())
rows = []
for code, module, ty in registry:
    base = f"<kmslint_core::rules::{module}::{ty} as kmslint_core::rules::Rule>::"
    whole, policy = get(base + "check"), get(base + "check_policy")
    rows.append((whole + policy, code, module, whole, policy))
rows.sort(reverse=True)
lines += ["", "| rule | `check` | `check_policy` (per scenario) | total | share |", "|---|---:|---:|---:|---:|"]
for cost, code, module, whole, policy in rows:
    if cost < 50_000:
        continue
    lines.append(f"| {code} {module.replace('_', '-')} | {M(whole)} | {M(policy)} | {M(cost)} | {pct(cost)} |")
quiet = [code for cost, code, *_ in rows if cost < 50_000]
lines.append("")
lines.append(f"Under 0.05 M each (or, for KMS5xx, not run without `--since`): {', '.join(sorted(quiet))}.")
stamp = datetime.date.today().isoformat()
body = (f"<!-- rule-costs:start -->\nMeasured {stamp} with `benches/rule-costs.sh` on `{input_path}`, all rules "
        f"(`--select KMS`), `--jobs 1`, JSON output; callgrind's inclusive instruction counts.\n\n"
        + "\n".join(lines) + "\n<!-- rule-costs:end -->")
text = open("benches/README.md").read()
start, end = "<!-- rule-costs:start -->", "<!-- rule-costs:end -->"
if start in text:
    head, rest = text.split(start)
    _, tail = rest.split(end)
    text = head + body + tail
else:
    text = text.rstrip("\n") + "\n\n## Cost per phase and per rule\n\n" + body + "\n"
open("benches/README.md", "w").write(text)
print("\n".join(lines))
PY
