//! Key policies with more `Fn::If` conditions than kmslint enumerates at once: each finding
//! is checked in the scenarios of the conditions it depends on, labelled with those, and
//! none is lost (the case: 13 conditions, a lockout when `A0` is false and `A1` is
//! true, and a statement that depends on `A0` only).

use crate::common;

/// A template with conditions `A0`..`A{n-1}`, each on its own parameter, and a key whose
/// policy is `statements` followed by one statement under each of `A2`..: key users that
/// bear on no lockout.
fn template(n: usize, statements: &str) -> String {
    let mut out = String::from("Parameters:\n");
    for i in 0..n {
        out += &format!("  P{i}:\n    Type: String\n    AllowedValues: ['yes', 'no']\n");
    }
    out += "Conditions:\n";
    for i in 0..n {
        out += &format!("  A{i}: !Equals [!Ref P{i}, 'yes']\n");
    }
    out += "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n";
    out += "        Version: '2012-10-17'\n        Statement:\n";
    out += statements;
    for i in 2..n {
        out += &format!(
            "          - !If
            - A{i}
            - Sid: User{i}
              Effect: Allow
              Principal:
                AWS: !Sub 'arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/App{i}'
              Action: ['kms:Encrypt', 'kms:Decrypt']
              Resource: '*'
            - !Ref AWS::NoValue
"
        );
    }
    out
}

/// The admin statement grants kms:PutKeyPolicy only when `A0` is true, and also grants
/// `kms:*` to a role then (KMS211, about this statement only); the editor statement grants
/// it only when `A1` is false.
const LOCKOUT_WHEN_A0_FALSE_AND_A1_TRUE: &str = "          - Sid: Admin
            Effect: Allow
            Principal:
              AWS:
                - !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'
                - !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/Admin'
            Action: !If [A0, 'kms:*', 'kms:Describe*']
            Resource: '*'
          - Sid: PolicyEditor
            Effect: Allow
            Principal:
              AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'
            Action: !If [A1, 'kms:List*', 'kms:PutKeyPolicy']
            Resource: '*'
";

fn messages(text: &str, code: &str) -> Vec<String> {
    let settings = common::settings("", None);
    kmslint_core::lint_source("conditions.yaml", text, &settings)
        .into_iter()
        .filter(|d| d.code == code)
        .map(|d| format!("{:?} {}", d.severity, d.message))
        .collect()
}

#[test]
fn a_lockout_under_two_of_thirteen_conditions_is_found_and_labelled_with_them() {
    let text = template(13, LOCKOUT_WHEN_A0_FALSE_AND_A1_TRUE);
    let found = messages(&text, "KMS204");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("Error ")
            && found[0].ends_with("(when `A0` is false and `A1` is true)"),
        "{found:?}"
    );
}

#[test]
fn the_same_lockout_with_two_conditions_reads_the_same() {
    let few = messages(&template(2, LOCKOUT_WHEN_A0_FALSE_AND_A1_TRUE), "KMS204");
    let many = messages(&template(13, LOCKOUT_WHEN_A0_FALSE_AND_A1_TRUE), "KMS204");
    assert_eq!(few, many);
}

#[test]
fn a_statements_own_finding_names_only_its_own_condition() {
    let text = template(13, LOCKOUT_WHEN_A0_FALSE_AND_A1_TRUE);
    let found = messages(&text, "KMS211");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].ends_with("(when `A0` is true)"), "{found:?}");
}

#[test]
fn a_question_whose_own_conditions_are_too_many_says_it_was_not_checked() {
    // Thirteen statements, each under its own condition, each granting kms:PutKeyPolicy:
    // the lockout depends on all thirteen.
    let mut statements = String::new();
    for i in 0..13 {
        statements += &format!(
            "          - !If
            - A{i}
            - Sid: Admin{i}
              Effect: Allow
              Principal:
                AWS: !Sub 'arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:root'
              Action: kms:PutKeyPolicy
              Resource: '*'
            - !Ref AWS::NoValue
"
        );
    }
    let text = template(13, &statements);
    let found = messages(&text, "KMS204");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("Info not checked for policy-lockout")
            && found[0].contains("13 independent values"),
        "{found:?}"
    );
}

#[test]
fn a_duplicate_sid_between_two_of_thirteen_conditional_statements_is_found() {
    // A second `User2`, under `A5`: a duplicate only when both `A2` and `A5` hold.
    let duplicate = "          - !If
            - A5
            - Sid: User2
              Effect: Allow
              Principal:
                AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/Other'
              Action: kms:Decrypt
              Resource: '*'
            - !Ref AWS::NoValue
";
    let text = template(
        13,
        &format!("{LOCKOUT_WHEN_A0_FALSE_AND_A1_TRUE}{duplicate}"),
    );
    let found = messages(&text, "KMS212");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].ends_with("(when `A5` is true and `A2` is true)")
            || found[0].ends_with("(when `A2` is true and `A5` is true)"),
        "{found:?}"
    );
}

use crate::hangs;

/// Lints `text` with the binary, killed past `seconds`.
fn lint_within(text: &str, seconds: u64) -> common::Run {
    let dir = common::dir_with(&[("attack.yaml", text.as_bytes())]);
    let args = ["check", "--format", "compact", "--no-config", "attack.yaml"];
    common::Kmslint::new(dir.path(), &args)
        .deadline(std::time::Duration::from_secs(seconds))
        .run()
}

#[test]
fn log_groups_of_one_key_share_its_policy_question() {
    // 1024 scenarios of ten conditional statements, forty log groups: each log group used to
    // enumerate the conditions' combinations again in every scenario (minutes); the question
    // is now asked once per scenario. Well under a second in a release build.
    let run = lint_within(&hangs::conditional_consumers(10, 40, 1), 30);
    assert_eq!(run.status, 1, "{}", run.stderr);
    let found: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("KMS601"))
        .collect();
    assert_eq!(found.len(), 40, "{}", run.stdout);
    for (g, line) in found.iter().enumerate() {
        assert!(
            line.contains(&format!(
                "error[KMS601] log group `Logs0x{g}` uses key `Key0`"
            )),
            "{line}"
        );
    }
    assert!(!run.stdout.contains("not checked"), "{}", run.stdout);
}

#[test]
fn keys_past_the_files_budget_are_said_not_checked_never_dropped() {
    // Ten keys like the one above, eight log groups each: the first keys' questions are
    // checked in full, until the file's budget of scenarios is spent; each later key's is
    // reported as not checked.
    let run = lint_within(&hangs::conditional_consumers(10, 8, 10), 60);
    assert_eq!(run.status, 1, "{}", run.stderr);
    let checked: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("error[KMS601] log group"))
        .collect();
    let skipped: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| {
            l.contains("info[KMS601] not checked for service-grant-missing: the key policies of this file have used up")
        })
        .collect();
    assert!(
        checked.len() >= 8 && checked.len().is_multiple_of(8),
        "{}",
        run.stdout
    );
    assert!(!skipped.is_empty(), "{}", run.stdout);
    // Every key is either checked (its eight log groups) or said not checked.
    assert_eq!(checked.len() / 8 + skipped.len(), 10, "{}", run.stdout);
    for k in 0..checked.len() / 8 {
        assert_eq!(
            checked
                .iter()
                .filter(|l| l.contains(&format!("uses key `Key{k}`")))
                .count(),
            8,
            "{}",
            run.stdout
        );
    }
    // KMS609 asks about the same statements, in the same pass: not checked with it.
    assert_eq!(
        run.stdout
            .lines()
            .filter(|l| l.contains("info[KMS609] not checked"))
            .count(),
        skipped.len()
    );
}
