//! Key policies with more `Fn::If` conditions than kmslint enumerates at once: each finding
//! is checked in the scenarios of the conditions it depends on, labelled with those, and
//! none is lost (the case: 13 conditions, a lockout when `A0` is false and `A1` is
//! true, and a statement that depends on `A0` only).

mod common;

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
    kmslint::lint_source("conditions.yaml", text, &settings)
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
