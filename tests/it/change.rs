//! Comparing a template with its previous version, through the core's `lint_against`: what
//! is compared and what is not, suppressions of change findings, and the stale-suppression
//! check when nothing was compared. (The rules' own cases are the fixture pairs in
//! `fixtures/KMS5*/`; the command line is in `tests/it/cli_diff.rs` and `cli_since.rs`.)

use kmslint_core::config::Settings;
use kmslint_core::rules::is_change;
use kmslint_core::{Comparison, Previous, lint_against};

const OLD: &str = "\
Resources:
  DataKey:
    Type: AWS::KMS::Key
    Properties:
      Description: data
  Logs:
    Type: AWS::Logs::LogGroup
";

/// The change rules' findings (and KMS006's) in `new` compared with `old`. All change rules,
/// on purpose: a suppressed change or a change of format must leave none of them a finding.
fn compare(old: &str, new: &str) -> (Comparison, Vec<String>) {
    let report = lint_against(
        "new.yaml",
        new,
        &Settings::default(),
        &Previous::Text {
            name: "old.yaml",
            text: old,
        },
    );
    let found = report
        .diagnostics
        .iter()
        .filter(|d| is_change(d.code) || d.code == "KMS006")
        .map(|d| format!("{}:{} {}", d.start.line, d.start.column, d.code))
        .collect();
    (report.comparison, found)
}

#[test]
fn a_renamed_key_is_reported_at_its_new_name_with_the_old_one_related() {
    let new = OLD.replace("DataKey:", "RenamedKey:");
    let report = lint_against(
        "new.yaml",
        &new,
        &Settings::default(),
        &Previous::Text {
            name: "old.yaml",
            text: OLD,
        },
    );
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.code == "KMS502")
        .expect("a KMS502 finding");
    assert_eq!((d.start.line, d.start.column), (2, 3));
    assert!(
        d.message.contains("renamed to `RenamedKey`"),
        "{}",
        d.message
    );
    assert_eq!(d.resource.as_deref(), Some("DataKey"));
    let old = &d.related[0];
    assert_eq!(old.path.as_deref(), Some("old.yaml"));
    assert_eq!((old.start.line, old.start.column), (2, 3));
}

#[test]
fn a_change_finding_is_suppressed_like_any_other() {
    let new = OLD.replace(
        "  DataKey:",
        "  # kmslint: ignore KMS502 -- the data moved to the new key\n  RenamedKey:",
    );
    assert_eq!(compare(OLD, &new), (Comparison::Compared, vec![]));
    // Template metadata too.
    let new = format!(
        "Metadata:\n  kmslint:\n    ignore: [KMS502]\n{}",
        OLD.replace("DataKey:", "RenamedKey:")
    );
    assert_eq!(compare(OLD, &new), (Comparison::Compared, vec![]));
}

#[test]
fn a_suppression_of_a_change_rule_is_not_stale_when_nothing_was_compared() {
    let new = OLD.replace("  DataKey:", "  # kmslint: ignore KMS502\n  RenamedKey:");
    let report = kmslint_core::lint_text("new.yaml", &new, &Settings::default());
    assert_eq!(report.comparison, Comparison::NotCompared);
    assert!(
        report.diagnostics.iter().all(|d| d.code != "KMS006"),
        "{:?}",
        report.diagnostics
    );
    // Compared with a version where it is not needed, it is stale.
    let (_, found) = compare(&new, &new);
    assert_eq!(found, vec!["2:21 KMS006"]);
}

#[test]
fn what_cannot_be_compared_says_so() {
    let settings = Settings::default();
    let broken = lint_against(
        "new.yaml",
        OLD,
        &settings,
        &Previous::Text {
            name: "old.yaml",
            text: "Resources: [\n",
        },
    );
    match broken.comparison {
        Comparison::Failed(why) => assert!(
            why.contains("old.yaml") && why.contains("does not parse"),
            "{why}"
        ),
        other => panic!("{other:?}"),
    }
    let policy = lint_against(
        "new.yaml",
        OLD,
        &settings,
        &Previous::Text {
            name: "old.json",
            text: r#"{"Version": "2012-10-17", "Statement": []}"#,
        },
    );
    assert!(
        matches!(policy.comparison, Comparison::Failed(ref why) if why.contains("not a CloudFormation template"))
    );
    let absent = lint_against("new.yaml", OLD, &settings, &Previous::Absent);
    assert_eq!(absent.comparison, Comparison::Absent);
}

#[test]
fn reordering_reformatting_and_json_are_not_changes() {
    let json = r#"{"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup"},
        "DataKey": {"Properties": {"Description": "data"}, "Type": "AWS::KMS::Key"}}}"#;
    assert_eq!(compare(OLD, json), (Comparison::Compared, vec![]));
    assert_eq!(compare(json, OLD), (Comparison::Compared, vec![]));
}

/// KMS506 reads the new version's KMS601/KMS609 findings from the rules' own run when those
/// rules are on, and works them out itself when they are off: the same findings either way.
#[test]
fn grant_removed_finds_the_same_whether_kms601_runs_or_not() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/KMS506");
    let old = std::fs::read_to_string(dir.join("bad-grant-removed.old.yaml")).expect("old");
    let new = std::fs::read_to_string(dir.join("bad-grant-removed.yaml")).expect("new");
    let grants = |settings: &Settings| -> Vec<String> {
        lint_against(
            "new.yaml",
            &new,
            settings,
            &Previous::Text {
                name: "old.yaml",
                text: &old,
            },
        )
        .diagnostics
        .into_iter()
        .filter(|d| d.code == "KMS506")
        .map(|d| format!("{}:{} {}", d.start.line, d.start.column, d.message))
        .collect()
    };
    let all = grants(&Settings::default());
    let mut without = Settings::default();
    without.rules.disabled.extend(["KMS601", "KMS609"]);
    assert!(all.len() >= 2, "{all:?}");
    assert_eq!(all, grants(&without));
}
