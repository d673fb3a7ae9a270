//! Suppressions (SPEC §3): what each form covers, KMS006 for the ones that cover nothing,
//! KMS007 for the ones that are not suppressions.

use crate::common;

use kmslint_core::Settings;

/// The rules these tests are about: KMS104 and KMS105 (a key without rotation or retention
/// has both), what the comments suppress; KMS006 and KMS007, what they report; and KMS210,
/// which some comments name without it firing (a suppression of a rule that did not run is not
/// unused). Only these run, so a new rule does not change the findings asserted here.
const RULES: &[&str] = &["KMS104", "KMS105", "KMS006", "KMS007", "KMS210"];

/// `(line, code)` of every finding of [`RULES`].
fn findings(name: &str, text: &str) -> Vec<(u32, &'static str)> {
    findings_with(name, text, &common::only(RULES))
}

fn findings_with(name: &str, text: &str, settings: &Settings) -> Vec<(u32, &'static str)> {
    kmslint_core::lint_source(name, text, settings)
        .into_iter()
        .map(|d| (d.start.line, d.code))
        .collect()
}

/// A key with no rotation and no retention: KMS104 and KMS105 on line 2.
const KEY: &str = "  Key:\n    Type: AWS::KMS::Key\n";

#[test]
fn an_unsuppressed_key_has_the_two_findings_the_other_tests_suppress() {
    let text = format!("Resources:\n{KEY}");
    assert_eq!(
        findings("t.yaml", &text),
        vec![(2, "KMS104"), (2, "KMS105")]
    );
}

#[test]
fn a_comment_at_the_end_of_a_line_covers_findings_starting_on_that_line() {
    let text = "Resources:\n  Key: # kmslint: ignore KMS104\n    Type: AWS::KMS::Key\n";
    assert_eq!(findings("t.yaml", text), vec![(2, "KMS105")]);
    let text = "Resources:\n  Key: # kmslint: ignore KMS104,KMS105\n    Type: AWS::KMS::Key\n";
    assert_eq!(findings("t.yaml", text), vec![]);
}

#[test]
fn a_comment_alone_on_a_line_covers_the_node_below_it() {
    let text = "Resources:\n  # kmslint: ignore KMS104, KMS105\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      EnableKeyRotation: false\n";
    assert_eq!(findings("t.yaml", text), vec![]);
    // The next resource is not covered.
    let text = format!(
        "Resources:\n  # kmslint: ignore KMS104, KMS105\n{KEY}  Other:\n    Type: AWS::KMS::Key\n"
    );
    assert_eq!(
        findings("t.yaml", &text),
        vec![(5, "KMS104"), (5, "KMS105")]
    );
}

#[test]
fn a_comment_without_codes_covers_every_rule() {
    let text = "Resources:\n  Key: # kmslint: ignore\n    Type: AWS::KMS::Key\n";
    assert_eq!(findings("t.yaml", text), vec![]);
}

#[test]
fn rule_names_work_like_codes() {
    let text = "Resources:\n  Key: # kmslint: ignore rotation-disabled, key-deletion-unprotected\n    Type: AWS::KMS::Key\n";
    assert_eq!(findings("t.yaml", text), vec![]);
}

#[test]
fn a_hash_inside_a_string_is_not_a_comment() {
    let text = "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      Description: 'x # kmslint: ignore KMS104'\n      EnableKeyRotation: false\n";
    let found = findings("t.yaml", text);
    assert!(found.contains(&(6, "KMS104")), "{found:?}");
    assert!(!found.iter().any(|(_, c)| *c == "KMS006"), "{found:?}");
}

#[test]
fn resource_metadata_covers_the_resource() {
    let text = "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Metadata:\n      kmslint:\n        ignore: [KMS104, KMS105]\n  Other:\n    Type: AWS::KMS::Key\n";
    assert_eq!(findings("t.yaml", text), vec![(7, "KMS104"), (7, "KMS105")]);
}

#[test]
fn template_metadata_covers_the_file_and_json_uses_it() {
    let text = r#"{"Metadata": {"kmslint": {"ignore": ["KMS105"]}},
 "Resources": {"Key": {"Type": "AWS::KMS::Key",
                       "Metadata": {"kmslint": {"ignore": "KMS104"}}}}}"#;
    assert_eq!(findings("t.json", text), vec![]);
}

#[test]
fn an_unused_suppression_is_kms006_at_its_code() {
    let text =
        "Resources:\n  Key: # kmslint: ignore KMS104, KMS105, KMS210\n    Type: AWS::KMS::Key\n";
    let diagnostics = kmslint_core::lint_source("t.yaml", text, &common::only(RULES));
    let unused: Vec<_> = diagnostics.iter().filter(|d| d.code == "KMS006").collect();
    assert_eq!(unused.len(), 1, "{diagnostics:?}");
    assert_eq!((unused[0].start.line, unused[0].start.column), (2, 42));
    assert!(
        unused[0].message.contains("KMS210"),
        "{}",
        unused[0].message
    );
}

#[test]
fn an_unknown_code_is_kms007() {
    let text = format!(
        "Resources:\n{KEY}    Metadata:\n      kmslint:\n        ignore: [KMS104, KMS105, KMS1O4]\n"
    );
    let found = findings("t.yaml", &text);
    assert_eq!(found, vec![(6, "KMS007")]);
}

#[test]
fn suppressions_of_rules_that_did_not_run_are_not_unused() {
    let text = "Resources:\n  Key: # kmslint: ignore KMS104, KMS105\n    Type: AWS::KMS::Key\n";
    let settings = common::settings("", Some("KMS006"));
    assert_eq!(findings_with("t.yaml", text, &settings), vec![]);
}

#[test]
fn kms006_itself_cannot_be_suppressed() {
    let text = "Metadata:\n  kmslint:\n    ignore: [KMS006]\nResources:\n  Key: # kmslint: ignore KMS104, KMS105, KMS210\n    Type: AWS::KMS::Key\n";
    let found = findings("t.yaml", text);
    assert_eq!(
        found.iter().filter(|(_, c)| *c == "KMS006").count(),
        2,
        "{found:?}"
    );
}

#[test]
fn words_after_the_codes_are_a_reason_even_with_commas() {
    let text = "Resources:\n  Key: # kmslint: ignore KMS104 KMS105 owned by payments, see the runbook\n    Type: AWS::KMS::Key\n";
    assert_eq!(findings("t.yaml", text), vec![]);
    // A misspelt code after a comma is still a code, and reported.
    let text =
        "Resources:\n  Key: # kmslint: ignore KMS104, KMS105, KMS1O4\n    Type: AWS::KMS::Key\n";
    assert_eq!(findings("t.yaml", text), vec![(2, "KMS007")]);
}

#[test]
fn non_ascii_words_in_a_comment_do_not_break_parsing() {
    let text = "Resources:\n  Key: # kmslint: ignore KMS104, KMS105, a\u{20ac}x r\u{e9}sum\u{e9}\n    Type: AWS::KMS::Key\n";
    assert_eq!(findings("t.yaml", text), vec![]);
}
