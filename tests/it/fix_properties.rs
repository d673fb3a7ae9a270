//! Properties every automatic fix must keep, checked over every file of the fixtures, the
//! real-world corpus (`../shared/corpus`, see `common::corpus`) and templates generated (by
//! `fix_inputs`) in each way a key policy can be written (YAML block and flow, JSON pretty and
//! on one line, LF and CRLF, a policy as a mapping, as JSON in `KeyPolicy: |` and as an
//! escaped JSON string).
//! With every rule on and fixes applied down to [`Applicability::Unsafe`]:
//!
//! a. idempotent: a second `fix_text` on the result changes nothing, and the result's findings
//!    offer no fix that `--unsafe-fixes` would apply;
//! b. the result still parses: same `Outcome`, no more KMS001 findings than before, after
//!    every pass;
//! c. no finding that had no fix disappears: each finding without an applicable fix before is
//!    matched, one for one, by a finding after of the same code with the same message or
//!    resource, except for the few documented consequences in [`CASCADES`];
//! d. bytes outside the edits are kept: for each pass done here with `kmslint_core::fix::apply`,
//!    every edit made is one a finding offered, none is a no-op, and the new text is the old
//!    one rebuilt here with only those edits made (every other byte in place).
//!
//! Failures are collected over every input and reported together, with the input's name.
//! While few rules offer fixes, most inputs check little; the `#[ignore]`d test below asserts
//! that the inputs written to be fixable do get fixes, and `KMSLINT_FIX_MIN=N` makes the main
//! test demand at least N applied fixes over all its inputs.

use crate::common;
use crate::fix_inputs::{files, fixable_templates, generated, plain_templates, policy_files};

use std::collections::BTreeMap;

use kmslint_core::fix::{self, Applicability};
use kmslint_core::rules::{RuleKind, kind};
use kmslint_core::{Diagnostic, FileReport, FixedFile, Outcome, Settings, fix_text, lint_bytes};

/// Fixes are applied down to this: `--fix --unsafe-fixes`.
const LEAST: Applicability = Applicability::Unsafe;

/// Findings without a fix that may disappear when a fix of another code was applied in the same
/// file, because the fix removes their cause: (code fixed, code that may go, why). Add a row
/// only with a reason.
const CASCADES: &[(&str, &str, &str)] = &[
    (
        "KMS206",
        "KMS204",
        "a statement made valid (`allow` → `Allow`) can be the one that keeps kms:PutKeyPolicy",
    ),
    (
        "KMS207",
        "KMS204",
        "an action name corrected to kms:PutKeyPolicy (or a kms:Put* pattern) ends the lockout",
    ),
    (
        "KMS104",
        "KMS103",
        "rotation turned on gives RotationPeriodInDays, which had no effect, its effect",
    ),
    (
        "KMS201",
        "KMS206",
        "a policy string with typographic quotes for JSON quotes parses once they are replaced",
    ),
];

/// Whether `d` carries a fix that [`LEAST`] applies.
fn applicable(d: &Diagnostic) -> bool {
    d.fix
        .as_ref()
        .is_some_and(|f| f.applicability >= LEAST && f.applicability > Applicability::DisplayOnly)
}

/// Lints `text` as the command line lints a file named on it.
fn lint(name: &str, text: &str, settings: &Settings) -> FileReport {
    lint_bytes(
        name,
        text.as_bytes().to_vec(),
        settings,
        &kmslint_core::Previous::NotCompared,
    )
    .0
}

fn parse_errors(report: &FileReport) -> usize {
    report
        .diagnostics
        .iter()
        .filter(|d| kind(d.code) == Some(RuleKind::Parse))
        .count()
}

/// How many times `fix_text` lints and fixes at most (kmslint's `MAX_FIX_PASSES`).
const MAX_PASSES: usize = 10;

/// What checking one input found: its failures and the codes of the fixes applied.
#[derive(Default)]
struct Checked {
    failures: Vec<String>,
    fixed: Vec<&'static str>,
}

/// Checks properties a–d on one input (decoded text).
fn check(name: &str, text: &str, settings: &Settings) -> Checked {
    let mut out = Checked::default();
    let before = lint(name, text, settings);
    let mut fail = |what: String| out.failures.push(format!("{name}: {what}"));

    let (current, manual_fixed) = fix_by_hand(name, text, settings, &mut fail);

    // a: idempotent.
    let fixed = fix_text(name, text, settings, LEAST);
    out.fixed = fixed.fixed.clone();
    if fixed.text != current {
        fail(format!(
            "fix_text's result differs from applying the passes by hand (fixed {:?} vs {manual_fixed:?})",
            fixed.fixed
        ));
    }
    let again = fix_text(name, &fixed.text, settings, LEAST);
    if again.text != fixed.text || !again.fixed.is_empty() {
        fail(format!(
            "not idempotent: a second fix_text fixed {:?} more",
            again.fixed
        ));
    }
    let left: Vec<String> = fixed
        .report
        .diagnostics
        .iter()
        .filter(|d| applicable(d))
        .map(|d| format!("{} at {}", d.code, d.pointer))
        .collect();
    if !left.is_empty() {
        fail(format!(
            "after fix_text, findings still offer an applicable fix: {left:?}"
        ));
    }

    // b: still parses.
    if fixed.report.outcome != before.outcome {
        fail(format!(
            "outcome changed: {:?} → {:?}",
            before.outcome, fixed.report.outcome
        ));
    }
    if parse_errors(&fixed.report) > parse_errors(&before) {
        fail(format!(
            "parse errors went from {} to {}",
            parse_errors(&before),
            parse_errors(&fixed.report)
        ));
    }

    // c: no finding without a fix disappears.
    unfixed_findings_stay(&before, &fixed, &mut fail);
    out
}

/// Property d (and b, pass by pass): the passes of `fix_text` done here with `fix::apply`,
/// each diffed against its edits. The text after them, and the codes fixed.
fn fix_by_hand(
    name: &str,
    text: &str,
    settings: &Settings,
    fail: &mut dyn FnMut(String),
) -> (String, Vec<&'static str>) {
    let mut current = text.to_owned();
    let mut report = lint(name, text, settings);
    let mut manual_fixed = Vec::new();
    let mut passes = 0;
    while let Some(applied) = fix::apply(&current, &report.diagnostics, LEAST) {
        passes += 1;
        if passes > MAX_PASSES {
            fail(format!(
                "fixes still apply after {MAX_PASSES} passes (fixes that undo each other?): {:?}",
                applied.fixed
            ));
            break;
        }
        let as_tuple = |e: &fix::Edit| {
            (
                e.span.start as usize,
                e.span.end as usize,
                e.replacement.clone(),
            )
        };
        let offered: Vec<(usize, usize, String)> = report
            .diagnostics
            .iter()
            .filter(|d| applicable(d))
            .flat_map(|d| &d.fix.as_ref().expect("applicable").edits)
            .map(as_tuple)
            .collect();
        let made: Vec<(usize, usize, String)> = applied.edits.iter().map(as_tuple).collect();
        for problem in outside_edits(&current, &applied.text, &made, &offered) {
            fail(format!(
                "pass {passes} (fixing {:?}) {problem}",
                applied.fixed
            ));
        }
        let next = lint(name, &applied.text, settings);
        if next.outcome != report.outcome || parse_errors(&next) > parse_errors(&report) {
            let new_errors: Vec<&str> = next
                .diagnostics
                .iter()
                .filter(|d| kind(d.code) == Some(RuleKind::Parse))
                .map(|d| d.message.as_str())
                .collect();
            fail(format!(
                "pass {passes} (fixing {:?}) breaks the file: {:?} → {:?}, parse errors {new_errors:?}",
                applied.fixed, report.outcome, next.outcome
            ));
            break;
        }
        manual_fixed.extend(applied.fixed);
        current = applied.text;
        report = next;
    }
    (current, manual_fixed)
}

/// Property c: each finding of `before` without an applicable fix is matched, one for one, by
/// a finding after the fixes, or excused by [`CASCADES`].
fn unfixed_findings_stay(before: &FileReport, fixed: &FixedFile, fail: &mut dyn FnMut(String)) {
    // A finding survives when one of the same code is there after with the same message or
    // the same resource: a message quotes values a fix may have corrected (`app–role`), and a
    // resource is read from where a finding is (an end-of-line comment after a resource's last
    // value is inside the resource once an entry follows it). Matched one for one.
    let mut after: Vec<Option<&Diagnostic>> = fixed.report.diagnostics.iter().map(Some).collect();
    for d in before.diagnostics.iter().filter(|d| !applicable(d)) {
        let same = |a: &&Diagnostic| {
            a.code == d.code && (a.message == d.message || a.resource == d.resource)
        };
        let found = after
            .iter()
            .position(|a| {
                a.as_ref()
                    .is_some_and(|a| a.code == d.code && a.message == d.message)
            })
            .or_else(|| after.iter().position(|a| a.as_ref().is_some_and(same)));
        match found {
            Some(i) => after[i] = None,
            None => {
                let excused = CASCADES
                    .iter()
                    .any(|(cause, gone, _)| *gone == d.code && fixed.fixed.contains(cause));
                if !excused {
                    fail(format!(
                        "a {} finding without a fix disappeared: {} (fixed {:?})",
                        d.code, d.message, fixed.fixed
                    ));
                }
            }
        }
    }
}

/// What is wrong with `new` as `old` with `edits` made: each edit must be one a finding offered
/// (`offered`), none may overlap another or change nothing, and `new` must be `old` with the
/// bytes between the edits kept exactly, in place (rebuilt here, independently of `apply`).
fn outside_edits(
    old: &str,
    new: &str,
    edits: &[(usize, usize, String)],
    offered: &[(usize, usize, String)],
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut rebuilt = String::with_capacity(new.len());
    let mut at = 0;
    for (start, end, replacement) in edits {
        if !offered.contains(&(*start, *end, replacement.clone())) {
            problems.push(format!(
                "edit {start}..{end} → {:?} was not offered",
                excerpt(replacement.as_bytes())
            ));
        }
        if *start < at {
            problems.push(format!("edit {start}..{end} overlaps the one before"));
            continue;
        }
        if old.get(*start..*end) == Some(replacement.as_str()) {
            problems.push(format!("edit {start}..{end} changes nothing"));
        }
        rebuilt.push_str(&old[at..*start]);
        rebuilt.push_str(replacement);
        at = *end;
    }
    rebuilt.push_str(&old[at..]);
    if rebuilt != new {
        let first = rebuilt
            .bytes()
            .zip(new.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(rebuilt.len().min(new.len()));
        problems.push(format!(
            "the fixed text differs from the text with only its edits made, from byte {first}: {:?} vs {:?}",
            excerpt(&new.as_bytes()[first.min(new.len())..]),
            excerpt(&rebuilt.as_bytes()[first.min(rebuilt.len())..])
        ));
    }
    problems
}

fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text.into_owned()
    }
}

/// Checks every input, and reports every failure with its input's name.
fn check_all(inputs: &[(String, String)]) -> (usize, BTreeMap<&'static str, usize>) {
    // All rules, on purpose: every fix any rule offers must keep these properties.
    let settings = Settings::default();
    let mut failures = Vec::new();
    let mut per_code: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (name, text) in inputs {
        let checked =
            std::panic::catch_unwind(|| check(name, text, &settings)).unwrap_or_else(|_| Checked {
                failures: vec![format!("{name}: panicked")],
                fixed: Vec::new(),
            });
        failures.extend(checked.failures);
        for code in checked.fixed {
            *per_code.entry(code).or_default() += 1;
        }
    }
    let total = per_code.values().sum();
    eprintln!(
        "{} inputs, {total} fixes applied {per_code:?}",
        inputs.len()
    );
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    (total, per_code)
}

#[test]
fn the_generated_inputs_are_what_they_say() {
    // The generator writes what the loaders read: every rendering lints as a template or a
    // key policy, without a parse error, with the findings it was written to have.
    let mut templates = plain_templates();
    templates.extend(fixable_templates());
    // The rules the inputs were written to trigger (and KMS001, for parse errors; KMS107,
    // which the unused suppression names: one of a rule that did not run is not unused): only
    // these run, so a new rule does not change the codes expected below.
    let settings = common::only(&[
        "KMS001", "KMS004", "KMS005", "KMS006", "KMS104", "KMS105", "KMS107", "KMS201", "KMS204",
        "KMS206", "KMS207", "KMS212", "KMS301", "KMS302", "KMS401",
    ]);
    let mut problems = Vec::new();
    for (name, text) in generated(&templates, &policy_files()) {
        let report = lint(&name, &text, &settings);
        if !matches!(report.outcome, Outcome::Linted(_)) || parse_errors(&report) > 0 {
            problems.push(format!(
                "{name}: {:?} {:?}\n{text}",
                report.outcome,
                report
                    .diagnostics
                    .iter()
                    .map(|d| (d.code, &d.message))
                    .collect::<Vec<_>>()
            ));
        }
        let mut codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
        codes.sort_unstable();
        let label = name.split(['/', '.']).nth(1).expect("a label");
        let json = name.ends_with(".json");
        let expected: &[&str] = match label {
            "unrotated" | "UNROTATED_KEY" => &["KMS104", "KMS105"],
            "clean" | "CLEAN_KEY" | "policy-admin" => &[],
            "locked" | "LOCKED_KEY" => &["KMS204"],
            "lowercase-effect-unrotated-unretained" => &["KMS104", "KMS105", "KMS206"],
            "duplicate-sid-bad-action-alias" => &["KMS207", "KMS212", "KMS401"],
            "replica-of-single-region-key" => &["KMS105", "KMS301", "KMS302"],
            // `yes` is a YAML 1.1 boolean (KMS005) in YAML, a string (KMS004) in JSON.
            "curly-quotes-yes-unused-suppression" if json => {
                &["KMS004", "KMS006", "KMS201", "KMS201"]
            }
            "curly-quotes-yes-unused-suppression" => &["KMS005", "KMS006", "KMS201", "KMS201"],
            "policy-lowercase-duplicate" => &["KMS206", "KMS207", "KMS212"],
            other => panic!("no expectation for {other}"),
        };
        if codes != expected {
            problems.push(format!("{name}: {codes:?}, expected {expected:?}\n{text}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn fixes_are_idempotent_keep_parsing_keep_unfixed_findings_and_touch_only_their_edits() {
    let mut templates = plain_templates();
    templates.extend(fixable_templates());
    let mut inputs = files();
    let from_files = inputs.len();
    assert!(
        from_files > 100,
        "the fixtures are read ({from_files} files)"
    );
    inputs.extend(generated(&templates, &policy_files()));
    inputs.extend(found_by_the_fuzzer());
    let started = std::time::Instant::now();
    let (total, _) = check_all(&inputs);
    eprintln!("checked in {:?}", started.elapsed());
    if let Some(min) = std::env::var("KMSLINT_FIX_MIN")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        let min: usize = min.trim().parse().expect("KMSLINT_FIX_MIN is a number");
        assert!(
            total >= min,
            "only {total} fixes were applied over {} inputs, KMSLINT_FIX_MIN is {min}",
            inputs.len()
        );
    }
}

/// Fails while no rule offers fixes: the inputs written to be fixable must get fixes, or the
/// properties above check nothing.
#[test]
fn the_fixable_inputs_get_fixes() {
    let inputs = generated(&fixable_templates(), &policy_files()[1..]);
    let (total, per_code) = check_all(&inputs);
    assert!(
        total > 0,
        "no fix was applied over the {} inputs written to be fixable",
        inputs.len()
    );
    eprintln!("fixes applied per code: {per_code:?}");
}

/// Inputs on which a raw pass of fixes once broke the file (`fuzz/fuzz_targets/lint.rs`).
fn found_by_the_fuzzer() -> Vec<(String, String)> {
    [
        // A flow mapping whose last key has no value: an entry was inserted before its colon.
        "{\n  -20-1\"Vers:*\",\n      \u{56d}esou\",\n  \"Statement\": [\n    {\n      \"`Uffect\": s:*\",\n      \u{56d}esource\":\n    }\n  ]\n}\n",
        // A trailing comma in a flow mapping: its span ended at the comma, not its bracket, so
        // an entry added after it went inside it.
        "{\n  \"Resources\": {\n    \"Key\": {\n      \"Type\": \"AWS::KMS::Key\",\n      \"Properties\": {\n        \"EnableKeyRotation\": 4rue,\n      }\n    }\n  }\n}\n",
        // `Action:` with no value: an action was "appended" to the empty scalar before the colon.
        "{\n  \"Statement\": [\n    {\n      \"Sid\": \"OwnData\",\n      \"Effect\": \"Allow\",\n      \"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:root\"},\n      \"Action\":    }\n  ]\n}\n",
        // Mappings without braces inside a flow sequence: entries were added as block lines.
        "{\n  \"Statement\": [\n  : \"OwnData\",\n      \"Effect\": \"AllowOwnData\",\n      \"Effect\": \"Allow\",\n      \"Principal\": {\"AWS\": \"arn:aws:iKMS001am::111122223332:root\"},\n      ]\n}\n",
        "{\n  \"Statement\": [\n  : \"OwnData\",\n      \"Effect\": \"AllowOwnData\",\n      \"Effect\": \"Allow\",\n      \"Principal\": {\"AWS\": \"arn:aws:iKMS001am::111122223332:root\"},\n :     ]\n}\n",
        // A key with no value before an unused Metadata suppression: its removal kept two commas.
        "{\n  \"Metadata\": {\"km%lint\": {\"ignore\": [\"KMS105\"]}},\n  \"Resources\": {\n    \"ScRatchKey\": {\n      \"T{peS::Key\",\n      \"Metadata\": {\"kmslint\": {\"ignore\": [\"KMS208\"]}},\n    \"Properties\": {\"Description\": \"Test data only\"}\n    },\n    \"OtherKeyey\": {\n      \"Type\": \"AWS::KMS::Key\",\n      \"Properties\": {\"EnablKeyRotation\": true}\n    }\n  }\n}\n",
        // A lone carriage return (a line break to YAML) inside a block mapping's last key.
        "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      Description: a\r      Enabled: true\n",
        // A bracket out of place, read leniently: no fixes at all.
        "{\n  \"Resources\": {\n    \"Key\": {   \"Type\": \"AWS::KMS::Key\",\n    0 \"Properties\":  }\n    }\n  }\n}\n",
    ]
    .iter()
    .enumerate()
    .map(|(i, text)| (format!("fuzz/{i}.yaml"), (*text).to_owned()))
    .collect()
}

// --- the checks themselves ---------------------------------------------------------------

#[test]
fn the_diff_check_accepts_edits_and_rejects_changes_elsewhere() {
    let old = "a: 1\nb: 2\n";
    let e = |s: usize, e: usize, r: &str| (s, e, r.to_owned());
    let offered = [e(3, 4, "9"), e(10, 10, "c: 3\n")];
    assert!(outside_edits(old, "a: 9\nb: 2\nc: 3\n", &offered, &offered).is_empty());
    assert!(outside_edits(old, "a: 9\nb: 2\n", &offered[..1], &offered).is_empty());
    // A change elsewhere, an edit not offered, a no-op edit.
    assert_eq!(
        outside_edits(old, "a: 9\nb: 3\n", &offered[..1], &offered).len(),
        1
    );
    assert_eq!(
        outside_edits(old, "a: 7\nb: 2\n", &[e(3, 4, "7")], &offered).len(),
        1
    );
    assert_eq!(
        outside_edits(old, old, &[e(3, 4, "1")], &[e(3, 4, "1")]).len(),
        1
    );
}
