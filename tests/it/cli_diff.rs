//! Comparing a template with its previous version from the command line: `kmslint diff OLD
//! NEW` (issue 15), as a user runs it: what is compared, the notes when something is not,
//! the exit statuses. `check --since` is `cli_since`, which shares the templates here.
//!
//! The findings come from the change rules, mostly KMS502 key-deleted (a key removed without
//! `DeletionPolicy: Retain`); the rules' own cases are their fixture pairs.

use crate::common;

use kmslint_core::rules::is_change;

use common::{CLEAN_KEY, Kmslint, UNROTATED_KEY, codes, codes_for, dir_with, kmslint};

/// A key that is neither retained nor in the new versions below: deleting it is KMS502.
pub(crate) const DOOMED: &str = "  Doomed:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
";

/// [`CLEAN_KEY`] (no finding at all) and [`DOOMED`].
pub(crate) fn old_template() -> String {
    format!("{CLEAN_KEY}{DOOMED}")
}

/// [`old_template`] written as JSON: the same template, so no change at all.
const OLD_AS_JSON: &str = r#"{
  "Resources": {
    "Key": {
      "Type": "AWS::KMS::Key",
      "Properties": {
        "KeyPolicy": {
          "Version": "2012-10-17",
          "Statement": [
            {
              "Effect": "Allow",
              "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
              "Action": "kms:*",
              "Resource": "*"
            }
          ]
        },
        "EnableKeyRotation": true
      },
      "DeletionPolicy": "Retain",
      "UpdateReplacePolicy": "Retain"
    },
    "Doomed": {
      "Type": "AWS::KMS::Key",
      "Properties": {"EnableKeyRotation": true}
    }
  }
}
"#;

// --- kmslint diff --------------------------------------------------------------------------

#[test]
fn diff_reports_a_deleted_key_on_the_new_file() {
    let dir = dir_with(&[
        ("old.yaml", old_template().as_bytes()),
        ("new.yaml", CLEAN_KEY.as_bytes()),
    ]);
    let run = kmslint(
        dir.path(),
        &[
            "diff", "old.yaml", "new.yaml", "--format", "json", "--select", "KMS502",
        ],
    );
    assert_eq!(codes_for(&run.json(), "new.yaml"), ["KMS502"], "{run:?}");
    assert_eq!(run.status, 1, "{run:?}");
}

#[test]
fn diff_exit_zero_reports_the_change_and_exits_0() {
    let dir = dir_with(&[
        ("old.yaml", old_template().as_bytes()),
        ("new.yaml", CLEAN_KEY.as_bytes()),
    ]);
    let run = kmslint(
        dir.path(),
        &[
            "diff",
            "old.yaml",
            "new.yaml",
            "--format",
            "json",
            "--select",
            "KMS502",
            "--exit-zero",
        ],
    );
    assert_eq!(codes_for(&run.json(), "new.yaml"), ["KMS502"], "{run:?}");
    assert_eq!(run.status, 0, "{run:?}");
}

#[test]
fn diff_pretty_summary_names_what_was_compared() {
    let dir = dir_with(&[
        ("old.yaml", old_template().as_bytes()),
        ("new.yaml", CLEAN_KEY.as_bytes()),
    ]);
    let run = kmslint(dir.path(), &["diff", "old.yaml", "new.yaml"]);
    assert!(
        run.stdout.contains("(compared with old.yaml)"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn diff_of_the_same_template_reformatted_as_json_finds_nothing() {
    // All rules, on purpose: no change rule may take a change of format for a change.
    // NEW has findings of its own (Doomed is not retained, …): `diff` reports only what
    // the change makes unsafe, and the change from YAML to JSON changes nothing.
    let dir = dir_with(&[
        ("old.yaml", old_template().as_bytes()),
        ("new.json", OLD_AS_JSON.as_bytes()),
    ]);
    let check = kmslint(dir.path(), &["check", "new.json", "--format", "json"]);
    assert_eq!(
        check.status, 1,
        "the check of NEW alone has findings: {check:?}"
    );
    let run = kmslint(
        dir.path(),
        &["diff", "old.yaml", "new.json", "--format", "json"],
    );
    assert_eq!(codes(&run), Vec::<String>::new(), "{run:?}");
    assert_eq!(run.status, 0, "{run:?}");
}

#[test]
fn diff_reports_only_change_rules_within_the_selection() {
    let dir = dir_with(&[
        ("old.yaml", old_template().as_bytes()),
        ("new.yaml", UNROTATED_KEY.as_bytes()),
    ]);
    // The user's selection still applies: without the change rules there is nothing to find,
    // and kmslint says so.
    let run = kmslint(
        dir.path(),
        &[
            "diff", "old.yaml", "new.yaml", "--select", "KMS1", "--format", "json",
        ],
    );
    assert_eq!(codes(&run), Vec::<String>::new(), "{run:?}");
    assert_eq!(run.status, 0, "{run:?}");
    assert!(
        run.stderr.contains("no change rule (KMS5xx) is selected"),
        "{}",
        run.stderr
    );
    // KMS104/KMS105 of NEW are `check`'s; `diff` reports the deletion only. All rules, on
    // purpose: whatever runs, only change rules report.
    let all = kmslint(
        dir.path(),
        &["diff", "old.yaml", "new.yaml", "--format", "json"],
    );
    assert!(codes(&all).iter().all(|c| is_change(c)), "{all:?}");
    let ignored = kmslint(
        dir.path(),
        &[
            "diff",
            "old.yaml",
            "new.yaml",
            "--ignore",
            "key-deleted,retention-removed",
            "--format",
            "json",
        ],
    );
    assert_eq!(codes(&ignored), Vec::<String>::new(), "{ignored:?}");
    assert_eq!(ignored.status, 0, "{ignored:?}");
    // `Doomed` is deleted, and `Key` loses the `Retain` it had.
    assert_eq!(codes(&all), ["KMS502", "KMS504"], "{all:?}");
}

#[test]
fn diff_with_old_missing_fails() {
    let dir = dir_with(&[("new.yaml", CLEAN_KEY.as_bytes())]);
    let run = kmslint(dir.path(), &["diff", "old.yaml", "new.yaml"]);
    assert_eq!(run.status, 2, "{run:?}");
    assert_eq!(
        run.stderr,
        "kmslint: error: old.yaml: cannot read: no such file or directory\n"
    );
    assert_eq!(run.stdout, "");
}

#[test]
fn diff_with_new_missing_fails() {
    let dir = dir_with(&[("old.yaml", CLEAN_KEY.as_bytes())]);
    let run = kmslint(dir.path(), &["diff", "old.yaml", "new.yaml"]);
    assert_eq!(run.status, 2, "{run:?}");
    assert!(
        run.stderr.contains("new.yaml: cannot read"),
        "{}",
        run.stderr
    );
}

#[test]
fn diff_with_old_unparsable_fails_and_says_why() {
    let dir = dir_with(&[
        ("old.yaml", b"Resources:\n  Key: [\n"),
        ("new.yaml", CLEAN_KEY.as_bytes()),
    ]);
    let run = kmslint(dir.path(), &["diff", "old.yaml", "new.yaml"]);
    assert_eq!(run.status, 2, "{run:?}");
    assert!(
        run.stderr
            .starts_with("kmslint: error: old.yaml was not compared: it does not parse (line "),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stdout, "",
        "nothing was compared, so there is no report"
    );
}

#[test]
fn diff_with_old_not_a_template_fails() {
    let dir = dir_with(&[
        ("old.yaml", b"name: not a template\n"),
        ("new.yaml", CLEAN_KEY.as_bytes()),
    ]);
    let run = kmslint(dir.path(), &["diff", "old.yaml", "new.yaml"]);
    assert_eq!(run.status, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("old.yaml was not compared: it is not a CloudFormation template"),
        "{}",
        run.stderr
    );
}

#[test]
fn diff_with_new_not_a_template_fails() {
    let dir = dir_with(&[
        ("old.yaml", old_template().as_bytes()),
        ("new.yaml", b"name: not a template\n"),
        (
            "policy.json",
            br#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}"#,
        ),
    ]);
    let run = kmslint(dir.path(), &["diff", "old.yaml", "new.yaml"]);
    assert_eq!(run.status, 2, "{run:?}");
    assert!(
        run.stderr.contains("new.yaml was not compared"),
        "{}",
        run.stderr
    );
    let policy = kmslint(dir.path(), &["diff", "old.yaml", "policy.json"]);
    assert_eq!(policy.status, 2, "{policy:?}");
    assert!(
        policy.stderr.contains("it is a key policy"),
        "{}",
        policy.stderr
    );
}

#[test]
fn diff_with_new_unparsable_reports_kms001_only() {
    let dir = dir_with(&[
        ("old.yaml", old_template().as_bytes()),
        ("new.yaml", b"Resources:\n  Key: [\n"),
    ]);
    let run = kmslint(
        dir.path(),
        &["diff", "old.yaml", "new.yaml", "--format", "json"],
    );
    assert_eq!(codes(&run), ["KMS001"], "{run:?}");
    assert_eq!(run.status, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("new.yaml does not parse, so it was not compared with old.yaml"),
        "{}",
        run.stderr
    );
}

#[test]
fn diff_reads_one_side_from_stdin() {
    let dir = dir_with(&[
        ("old.yaml", old_template().as_bytes()),
        ("new.yaml", CLEAN_KEY.as_bytes()),
    ]);
    // OLD from stdin (as `git show main:keys.yaml | kmslint diff - keys.yaml`).
    let old_from_stdin = Kmslint::new(dir.path(), &["diff", "-", "new.yaml", "--format", "json"])
        .stdin(old_template().as_bytes())
        .run();
    // NEW from stdin, named by --stdin-filename; an OLD that does not parse is named.
    let bad = dir_with(&[("old.yaml", b"Resources: [\n")]);
    let run = Kmslint::new(
        bad.path(),
        &["diff", "old.yaml", "-", "--stdin-filename", "keys.yaml"],
    )
    .stdin(CLEAN_KEY.as_bytes())
    .run();
    assert_eq!(run.status, 2, "{run:?}");
    assert!(
        run.stderr.contains("old.yaml was not compared"),
        "{}",
        run.stderr
    );
    // The same template on both sides, NEW from stdin: nothing, and the report names it.
    let run = Kmslint::new(
        dir.path(),
        &["diff", "old.yaml", "-", "--stdin-filename", "keys.json"],
    )
    .stdin(OLD_AS_JSON.as_bytes())
    .run();
    assert_eq!(run.status, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("Checked 1 file: no problems found (compared with old.yaml)"),
        "{}",
        run.stdout
    );
    assert_eq!(
        codes_for(&old_from_stdin.json(), "new.yaml"),
        ["KMS502"],
        "{old_from_stdin:?}"
    );
    assert_eq!(old_from_stdin.status, 1, "{old_from_stdin:?}");
}

#[test]
fn diff_refuses_stdin_on_both_sides() {
    let dir = dir_with(&[]);
    let run = Kmslint::new(dir.path(), &["diff", "-", "-"])
        .stdin(CLEAN_KEY.as_bytes())
        .run();
    assert_eq!(run.status, 2, "{run:?}");
    assert!(run.stderr.contains("cannot both be `-`"), "{}", run.stderr);
}

#[test]
fn diff_is_in_the_help() {
    let dir = dir_with(&[]);
    let help = kmslint(dir.path(), &["--help"]);
    assert!(help.stdout.contains("diff"), "{}", help.stdout);
    let diff_help = kmslint(dir.path(), &["diff", "--help"]);
    assert_eq!(diff_help.status, 0);
    for option in [
        "--format",
        "--fail-level",
        "--select",
        "--config",
        "--region",
    ] {
        assert!(
            diff_help.stdout.contains(option),
            "{option}: {}",
            diff_help.stdout
        );
    }
    let check_help = kmslint(dir.path(), &["check", "--help"]);
    assert!(
        check_help.stdout.contains("--since <REV>"),
        "{}",
        check_help.stdout
    );
}
