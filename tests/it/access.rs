//! `kmslint access`: the key policy's answers, checked against what the AWS KMS Developer
//! Guide says of its own key policy examples (tests/access/, each file naming its source).

use serde_json::Value;

use crate::common::{self, Run, kmslint};

/// The answers `kmslint access FILE --principal P --action A` gives (as JSON), with the
/// key's account given.
fn ask(file: &str, principal: &str, action: &str, extra: &[&str]) -> Vec<Value> {
    let path = format!("tests/access/{file}");
    let mut args = vec![
        "access",
        "--no-config",
        "--format",
        "json",
        "--account",
        "111122223333",
        &path,
        "--principal",
        principal,
        "--action",
        action,
    ];
    args.extend_from_slice(extra);
    let run: Run = kmslint(&common::root(), &args);
    assert_eq!(run.status, 0, "{}", run.stderr);
    run.json()["answers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The one answer, as (verdict, the statements' Sids, the conditions).
fn only(answers: &[Value]) -> (String, Vec<String>, Vec<String>) {
    assert_eq!(answers.len(), 1, "{answers:#?}");
    let answer = &answers[0];
    let strings = |v: &Value, f: &dyn Fn(&Value) -> Option<String>| -> Vec<String> {
        v.as_array().unwrap().iter().filter_map(f).collect()
    };
    (
        answer["verdict"].as_str().unwrap().to_owned(),
        strings(&answer["statements"], &|s| {
            s["sid"].as_str().map(str::to_owned)
        }),
        strings(&answer["conditions"], &|c| c.as_str().map(str::to_owned)),
    )
}

/// The default key policy lets the account's IAM policies decide: a role of the account may
/// use the key if its IAM policies allow it; the account principal itself may; another
/// account's role may not ("Default key policy", "Allows access to the AWS account and
/// enables IAM policies").
#[test]
fn the_default_key_policy_delegates_to_iam() {
    let (verdict, sids, conditions) = only(&ask(
        "default-key-policy.json",
        "arn:aws:iam::111122223333:role/ExampleRole",
        "kms:Decrypt",
        &[],
    ));
    assert_eq!(verdict, "conditional");
    assert_eq!(sids, ["Enable IAM User Permissions"]);
    assert!(
        conditions[0].contains("IAM policies allow it"),
        "{conditions:?}"
    );
    let (verdict, ..) = only(&ask(
        "default-key-policy.json",
        "arn:aws:iam::111122223333:root",
        "kms:ScheduleKeyDeletion",
        &[],
    ));
    assert_eq!(verdict, "allowed");
    // A bare account ID is in the key's partition, which the Region decides.
    let (verdict, ..) = only(&ask(
        "default-key-policy.json",
        "111122223333",
        "kms:ScheduleKeyDeletion",
        &["--region", "eu-west-1"],
    ));
    assert_eq!(verdict, "allowed");
    let (verdict, ..) = only(&ask(
        "default-key-policy.json",
        "arn:aws:iam::444455556666:role/ExampleRole",
        "kms:Decrypt",
        &[],
    ));
    assert_eq!(verdict, "not-allowed");
}

/// Key administrators manage the key but may not use it (unless IAM policies give them
/// that), key users use it, and persistent-resource grants are conditional on
/// `kms:GrantIsForAWSResource` ("Allows key administrators to administer the KMS key",
/// "Allows key users to use the KMS key").
#[test]
fn administrators_manage_and_users_use() {
    let file = "administrators-and-users.json";
    let admin = "arn:aws:iam::111122223333:role/KMSKeyAdmin";
    let user = "arn:aws:iam::111122223333:role/ExampleRole";
    let (verdict, sids, _) = only(&ask(file, admin, "kms:PutKeyPolicy", &[]));
    assert_eq!(verdict, "allowed");
    assert_eq!(sids, ["Allow access for Key Administrators"]);
    let (verdict, sids, _) = only(&ask(file, admin, "kms:Decrypt", &[]));
    assert_eq!(verdict, "conditional", "only through IAM policies");
    assert_eq!(sids, ["Enable IAM User Permissions"]);
    let (verdict, sids, _) = only(&ask(file, user, "Decrypt", &[]));
    assert_eq!(verdict, "allowed");
    assert_eq!(sids, ["Allow use of the key"]);
    let (verdict, _, conditions) = only(&ask(file, user, "kms:CreateGrant", &[]));
    assert_eq!(verdict, "conditional");
    assert!(
        conditions
            .iter()
            .any(|c| c.contains("`kms:GrantIsForAWSResource` is `true`")),
        "{conditions:?}"
    );
}

/// `kms:ViaService` limits use to requests that come through the services named
/// ("kms:ViaService", AWS KMS condition keys): conditional, with the services.
#[test]
fn via_service_is_a_condition() {
    let (verdict, _, conditions) = only(&ask(
        "via-service.json",
        "arn:aws:iam::111122223333:user/ExampleUser",
        "kms:Encrypt",
        &[],
    ));
    assert_eq!(verdict, "conditional");
    assert_eq!(conditions.len(), 1, "{conditions:?}");
    assert!(
        conditions[0].contains("`ec2.us-west-2.amazonaws.com` or `rds.us-west-2.amazonaws.com`"),
        "{conditions:?}"
    );
    let (verdict, ..) = only(&ask(
        "via-service.json",
        "arn:aws:iam::111122223333:user/ExampleUser",
        "kms:ScheduleKeyDeletion",
        &[],
    ));
    assert_eq!(verdict, "not-allowed");
}

/// A principal of another account needs its own account's IAM policies too, even when the
/// key policy names it ("Allowing users in other accounts to use a KMS key").
#[test]
fn another_account_needs_its_iam_policies_too() {
    let (verdict, sids, conditions) = only(&ask(
        "external-account.json",
        "arn:aws:iam::444455556666:role/ExampleRole",
        "kms:Decrypt",
        &[],
    ));
    assert_eq!(verdict, "conditional");
    assert_eq!(sids, ["Allow an external account to use this KMS key"]);
    assert!(
        conditions[0].contains("IAM policies of account 444455556666"),
        "{conditions:?}"
    );
    let (verdict, ..) = only(&ask(
        "external-account.json",
        "arn:aws:iam::444455556666:role/ExampleRole",
        "kms:PutKeyPolicy",
        &[],
    ));
    assert_eq!(verdict, "not-allowed");
}

/// An explicit deny wins over any allow; a role of the template is asked about by its logical
/// ID; a service principal is scoped by its condition.
#[test]
fn denies_template_roles_and_services() {
    let file = "deny-and-service.yaml";
    let (verdict, sids, _) = only(&ask(file, "Operators", "kms:ScheduleKeyDeletion", &[]));
    assert_eq!(verdict, "denied");
    assert_eq!(sids, ["But not delete the key"]);
    let (verdict, sids, _) = only(&ask(file, "Operators", "kms:PutKeyPolicy", &[]));
    assert_eq!(verdict, "allowed");
    assert_eq!(sids, ["Operators may do anything"]);
    let (verdict, sids, conditions) = only(&ask(
        file,
        "logs.eu-west-1.amazonaws.com",
        "kms:Decrypt",
        &["--region", "eu-west-1"],
    ));
    assert_eq!(verdict, "conditional");
    assert_eq!(sids, ["Allow CloudWatch Logs"]);
    assert!(
        conditions[0].contains("arn:aws:logs:eu-west-1:111122223333:log-group:*"),
        "{conditions:?}"
    );
    let (verdict, ..) = only(&ask(file, "*", "kms:Decrypt", &[]));
    assert_eq!(verdict, "not-allowed");
}

/// A principal kmslint cannot read is bad usage (exit 2), said with what was given.
#[test]
fn a_principal_that_is_none_is_exit_2() {
    let run: Run = kmslint(
        &common::root(),
        &[
            "access",
            "--no-config",
            "tests/access/default-key-policy.json",
            "--principal",
            "NotAPrincipal",
            "--action",
            "kms:Decrypt",
        ],
    );
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("`NotAPrincipal` is not a principal"),
        "{}",
        run.stderr
    );
}

/// The pretty answer names the key, the verdict, the conditions and the deciding statements
/// at their lines.
#[test]
fn the_pretty_answer_says_why_and_where() {
    let run: Run = kmslint(
        &common::root(),
        &[
            "access",
            "--no-config",
            "--account",
            "111122223333",
            "tests/access/administrators-and-users.json",
            "--principal",
            "arn:aws:iam::111122223333:role/KMSKeyAdmin",
            "--action",
            "kms:Decrypt",
        ],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    let expected = "tests/access/administrators-and-users.json: key `key policy`: arn:aws:iam::111122223333:role/KMSKeyAdmin calling kms:Decrypt: conditional\n  - statement `Enable IAM User Permissions` allows it if the principal's IAM policies allow it (it lets the account's IAM policies grant access)\n  = tests/access/administrators-and-users.json:5: `Enable IAM User Permissions` (Allow)\n";
    assert_eq!(run.stdout, expected);
}

/// A key created without `KeyPolicy` has the default key policy: answered as it, so that no
/// key of the template goes unanswered.
#[test]
fn a_key_without_a_policy_has_the_default_one() {
    let file = "no-key-policy.yaml";
    let (verdict, sids, conditions) = only(&ask(
        file,
        "arn:aws:iam::111122223333:role/ExampleRole",
        "kms:Decrypt",
        &[],
    ));
    assert_eq!(verdict, "conditional");
    assert!(sids.is_empty());
    assert!(
        conditions[0].starts_with("the default key policy"),
        "{conditions:?}"
    );
    let (verdict, ..) = only(&ask(
        file,
        "arn:aws:iam::111122223333:root",
        "kms:Decrypt",
        &[],
    ));
    assert_eq!(verdict, "allowed");
    let (verdict, ..) = only(&ask(
        file,
        "arn:aws:iam::444455556666:root",
        "kms:Decrypt",
        &[],
    ));
    assert_eq!(verdict, "not-allowed");
}
