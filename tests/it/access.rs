//! `kmslint access`: the key policy's answers, checked against what the AWS KMS Developer
//! Guide says of its own key policy examples (tests/access/, each file naming its source).

use serde_json::Value;

use crate::common::{self, Run, kmslint};

/// `kmslint access tests/access/FILE ARGS --format json`, with the key's account given: its
/// JSON, after asserting it exits 0.
fn access_json(file: &str, args: &[&str]) -> Value {
    let path = format!("tests/access/{file}");
    let mut all = vec![
        "access",
        "--no-config",
        "--format",
        "json",
        "--account",
        "111122223333",
        &path,
    ];
    all.extend_from_slice(args);
    let run: Run = kmslint(&common::root(), &all);
    assert_eq!(run.status, 0, "{}", run.stderr);
    run.json()
}

/// The answers `kmslint access FILE --principal P --action A` gives (as JSON), with the
/// key's account given.
fn ask(file: &str, principal: &str, action: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["--principal", principal, "--action", action];
    args.extend_from_slice(extra);
    access_json(file, &args)["answers"]
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

/// The matrix of a file: `kmslint access FILE --format json` without a question.
fn matrix_of(file: &str) -> Vec<Value> {
    access_json(file, &[])["keys"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Each row's principal and its cells as shown: `administer use grant read`, each the
/// verdict with `+` when it holds for only some of the capability's actions.
fn rows(key: &Value) -> Vec<(String, String)> {
    key["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let cells: Vec<String> = ["administer", "use", "grant", "read"]
                .iter()
                .map(|c| {
                    let cell = &row["cells"][c];
                    let partial = if cell["partial"] == true { "+" } else { "" };
                    format!("{}{partial}", cell["verdict"].as_str().unwrap())
                })
                .collect();
            (
                row["principal"].as_str().unwrap().to_owned(),
                cells.join(" "),
            )
        })
        .collect()
}

/// The console's key policy: administrators administer (and may create and revoke grants,
/// `kms:Create*` and `kms:Revoke*`, not retire them) and use the key only if IAM policies let
/// them; users use it, read some of it, and grant only for AWS resources; the account's other
/// principals get what their IAM policies give.
#[test]
fn the_matrix_of_administrators_and_users() {
    let keys = matrix_of("administrators-and-users.json");
    assert_eq!(keys.len(), 1);
    assert_eq!(
        rows(&keys[0]),
        [
            (
                "arn:aws:iam::111122223333:root".to_owned(),
                "allowed allowed allowed allowed".to_owned()
            ),
            (
                "arn:aws:iam::111122223333:role/KMSKeyAdmin".to_owned(),
                "allowed conditional allowed+ allowed".to_owned()
            ),
            (
                "arn:aws:iam::111122223333:role/ExampleRole".to_owned(),
                "conditional allowed conditional allowed+".to_owned()
            ),
            (
                "any other principal of 111122223333 (by its IAM policies)".to_owned(),
                "conditional conditional conditional conditional".to_owned()
            ),
        ]
    );
    let grant = &keys[0]["rows"][1]["cells"]["grant"];
    assert_eq!(
        grant["actions"],
        serde_json::json!(["kms:CreateGrant", "kms:RevokeGrant"])
    );
}

/// A deny takes one administrative action away (the capability is then allowed for some of
/// its actions); a service principal reads and uses the key under its condition; another
/// account's role also needs its own IAM policies; a key without a policy is its account's.
#[test]
fn the_matrix_shows_denies_services_other_accounts_and_defaults() {
    let keys = matrix_of("deny-and-service.yaml");
    let rows = rows(&keys[0]);
    assert!(
        rows.contains(&(
            "Operators (of this template)".to_owned(),
            "allowed+ allowed allowed allowed".to_owned()
        )),
        "{rows:#?}"
    );
    assert!(
        rows.contains(&(
            "logs.${AWS::Region}.amazonaws.com".to_owned(),
            "not-allowed conditional+ not-allowed conditional+".to_owned()
        )),
        "{rows:#?}"
    );
    let external = rows_of("external-account.json");
    assert!(
        external.contains(&(
            "arn:aws:iam::444455556666:role/ExampleRole".to_owned(),
            "not-allowed conditional not-allowed conditional+".to_owned()
        )),
        "{external:#?}"
    );
    assert_eq!(
        rows_of("no-key-policy.yaml"),
        [(
            "any principal of 111122223333 (by its IAM policies)".to_owned(),
            "conditional conditional conditional conditional".to_owned()
        )]
    );
}

fn rows_of(file: &str) -> Vec<(String, String)> {
    rows(&matrix_of(file)[0])
}

/// The pretty matrix: a table per key, aligned, `—` where nothing is allowed, and what no
/// file says under the tables.
#[test]
fn the_pretty_matrix_is_a_table_per_key() {
    let run: Run = kmslint(
        &common::root(),
        &[
            "access",
            "--no-config",
            "--account",
            "111122223333",
            "tests/access/via-service.json",
        ],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    let expected = "tests/access/via-service.json: key `key policy`
  principal                                   administer  use          grant               read
  arn:aws:iam::111122223333:user/ExampleUser  —           conditional  conditional (some)  conditional (some)
Not known statically: service control policies, resource control policies, permission boundaries, session policies, IAM policies outside the files, and grants created at run time.
What a conditional cell depends on: --format markdown or json, or ask with --principal and --action.
";
    assert_eq!(run.stdout, expected);
}

/// `--principal` without `--action` (or the reverse) is bad usage.
#[test]
fn a_question_needs_both_principal_and_action() {
    let run: Run = kmslint(
        &common::root(),
        &["access", "--no-config", "tests/access", "--principal", "*"],
    );
    assert_eq!(run.status, 2, "{}", run.stdout);
}

/// `--context` decides the conditions on the keys it gives, as IAM does: `ForAllValues`
/// holds when every value of the request is among the policy's (kms:EncryptionContextKeys,
/// AWS KMS condition keys), a deny under `StringNotEquals` applies to another organization
/// (aws:PrincipalOrgID), and `kms:ViaService` admits only the services named. A key the
/// context does not give stays a condition.
#[test]
fn the_request_context_decides_the_conditions_on_its_keys() {
    let role = "arn:aws:iam::111122223333:role/ExampleRole";
    let ask_with = |context: &[&str]| {
        let mut extra = Vec::new();
        for pair in context {
            extra.extend(["--context", pair]);
        }
        only(&ask("context-keys.json", role, "kms:Decrypt", &extra))
    };
    let (verdict, _, conditions) = ask_with(&[]);
    assert_eq!(verdict, "conditional");
    assert_eq!(conditions.len(), 2, "{conditions:?}");
    assert!(conditions[1].starts_with("unless statement `Deny outside the organization` denies it (if `StringNotEquals` `aws:PrincipalOrgID`"), "{conditions:?}");
    let inside = "aws:PrincipalOrgID=o-exampleorgid";
    let (verdict, sids, _) = ask_with(&[
        inside,
        "kms:EncryptionContextKeys=Department",
        "kms:EncryptionContextKeys=Project",
    ]);
    assert_eq!(verdict, "allowed");
    assert_eq!(sids, ["Allow use with department and project only"]);
    let (verdict, ..) = ask_with(&[
        inside,
        "kms:EncryptionContextKeys=Department",
        "kms:EncryptionContextKeys=Owner",
    ]);
    assert_eq!(verdict, "not-allowed");
    let (verdict, sids, _) = ask_with(&["aws:PrincipalOrgID=o-someoneelse"]);
    assert_eq!(verdict, "denied");
    assert_eq!(sids, ["Deny outside the organization"]);
    // The organization given, not the encryption context: that condition stays.
    let (verdict, _, conditions) = ask_with(&[inside]);
    assert_eq!(verdict, "conditional");
    assert_eq!(conditions.len(), 1, "{conditions:?}");
    assert!(
        conditions[0].contains("kms:EncryptionContextKeys"),
        "{conditions:?}"
    );

    let user = "arn:aws:iam::111122223333:user/ExampleUser";
    let via = |service: &str| {
        let pair = format!("kms:ViaService={service}");
        only(&ask(
            "via-service.json",
            user,
            "kms:Encrypt",
            &["--context", &pair],
        ))
        .0
    };
    assert_eq!(via("ec2.us-west-2.amazonaws.com"), "allowed");
    assert_eq!(via("s3.us-west-2.amazonaws.com"), "not-allowed");
}

/// In a key policy `Resource` names the key itself: a statement about other keys (another
/// account's, or one key whose ID may not be this one's) does not certainly apply (Key
/// policies in AWS KMS, "Resource"; found by the differential test).
#[test]
fn a_statement_about_other_keys_does_not_apply() {
    let role = "arn:aws:iam::111122223333:role/App";
    let region = ["--region", "us-east-1"];
    let (verdict, ..) = only(&ask(
        "resource-elsewhere.json",
        role,
        "kms:DescribeKey",
        &region,
    ));
    assert_eq!(verdict, "not-allowed");
    // Allowed on every key of the account, denied on one that may be this one.
    let (verdict, sids, conditions) = only(&ask(
        "resource-elsewhere.json",
        role,
        "kms:Decrypt",
        &region,
    ));
    assert_eq!(verdict, "conditional");
    assert_eq!(sids, ["This account's keys", "One key of this account"]);
    assert!(
        conditions[0].starts_with("unless statement `One key of this account`"),
        "{conditions:?}"
    );
}

/// The JSON of both forms (answers, and the matrix) is what `schema/kmslint-access.schema.json`
/// describes, for every file of tests/access/, with and without a question.
#[test]
fn the_json_follows_its_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("schema/kmslint-access.schema.json"))
            .expect("the schema is in the repository"),
    )
    .expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema is valid");
    let question = [
        "--principal",
        "arn:aws:iam::111122223333:role/ExampleRole",
        "--action",
        "kms:Decrypt",
    ];
    for extra in [&question[..], &[]] {
        let mut args = vec![
            "access",
            "--no-config",
            "--format",
            "json",
            "--account",
            "111122223333",
            "tests/access",
        ];
        args.extend_from_slice(extra);
        let run: Run = kmslint(&common::root(), &args);
        assert_eq!(run.status, 0, "{}", run.stderr);
        let document = run.json();
        let errors: Vec<String> = validator
            .iter_errors(&document)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        let entries = document["answers"]
            .as_array()
            .or(document["keys"].as_array());
        assert!(entries.is_some_and(|e| e.len() >= 7), "{document:#}");
    }
    // Answers for stack instances carry their stack.
    let deployment = common::root().join("tests/access/deployment");
    for extra in [&question[..], &[]] {
        let run: Run = kmslint(
            &deployment,
            &[&["access", "--format", "json"][..], extra].concat(),
        );
        let document = run.json();
        let errors: Vec<String> = validator
            .iter_errors(&document)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        assert!(run.stdout.contains("\"stack\""), "{document:#}");
    }
    // The schema is not a blank cheque: an unknown verdict is refused.
    let mut bad = kmslint(
        &common::root(),
        &[
            "access",
            "--no-config",
            "--format",
            "json",
            "tests/access/default-key-policy.json",
            "--principal",
            "*",
            "--action",
            "kms:Decrypt",
        ],
    )
    .json();
    bad["answers"][0]["verdict"] = Value::from("maybe");
    assert!(!validator.is_valid(&bad));
}

/// A statement under `Fn::If` is answered in each combination of the template's conditions:
/// what only some give is `conditional` on them, what none gives stays `not-allowed`, and the
/// deciding statement keeps its place as written.
#[test]
fn statements_under_fn_if_are_answered_per_condition() {
    let file = "conditional-statement.yaml";
    let (verdict, sids, conditions) = only(&ask(file, "*", "kms:Decrypt", &[]));
    assert_eq!(verdict, "conditional");
    assert_eq!(sids, ["AnyoneDecrypts"]);
    assert!(
        conditions
            .iter()
            .any(|c| c.contains("the template's `Conditions` decide it")),
        "{conditions:?}"
    );
    let answers = ask(file, "*", "kms:Decrypt", &[]);
    assert_eq!(answers[0]["statements"][0]["index"], 1);
    let (verdict, ..) = only(&ask(file, "*", "kms:PutKeyPolicy", &[]));
    assert_eq!(verdict, "not-allowed");
    // With the condition's parameter given, one combination is left.
    let (verdict, ..) = only(&ask(
        file,
        "*",
        "kms:Decrypt",
        &["--parameter", "Public=true"],
    ));
    assert_eq!(verdict, "allowed");
    assert!(
        rows_of(file).contains(&(
            "*".to_owned(),
            "not-allowed conditional+ not-allowed not-allowed".to_owned()
        )),
        "{:#?}",
        rows_of(file)
    );
}

/// The template's IAM policies reach a key by more than its ARN: `Resource: '*'`, a `key/*`
/// pattern of the stack's Region and account, `NotResource` (perhaps), `NotAction`, an AWS
/// managed policy by ARN, and a group's policies for its members. A `Condition` is evaluated
/// with the context, and an IAM `Deny` wins.
#[test]
fn iam_policies_reach_keys_by_wildcards_groups_and_aws_managed_policies() {
    let file = "iam-policies.yaml";
    let answer = |role: &str, action: &str, extra: &[&str]| {
        let mut args = vec!["--region", "us-east-1"];
        args.extend_from_slice(extra);
        only(&ask(file, role, action, &args))
    };
    let verdict = |role: &str, action: &str| answer(role, action, &[]).0;
    // `Resource: '*'`, and a deny on `key/*` of the stack's Region and account.
    assert_eq!(verdict("Wildcard", "kms:Decrypt"), "allowed");
    assert_eq!(verdict("Wildcard", "kms:Encrypt"), "not-allowed");
    assert_eq!(verdict("Wildcard", "kms:ScheduleKeyDeletion"), "denied");
    // A condition stays one until the context decides it.
    let (verdict_of, _, conditions) = answer("ViaS3", "kms:Encrypt", &[]);
    assert_eq!(verdict_of, "conditional");
    assert_eq!(
        conditions,
        [
            "statement `EncryptThroughS3` of an inline policy of `ViaS3` allows it if `StringEquals` `kms:ViaService` is `s3.us-east-1.amazonaws.com`"
        ]
    );
    let via = |service: &str| {
        answer(
            "ViaS3",
            "kms:Encrypt",
            &["--context", &format!("kms:ViaService={service}")],
        )
        .0
    };
    assert_eq!(via("s3.us-east-1.amazonaws.com"), "allowed");
    assert_eq!(via("ec2.us-east-1.amazonaws.com"), "not-allowed");
    // `NotResource` of another service's ARNs leaves the key in, `NotAction` of IAM's actions
    // leaves KMS's in; a `NotResource` of KMS ARNs may leave the key out.
    assert_eq!(verdict("AlmostAll", "kms:PutKeyPolicy"), "allowed");
    let (verdict_of, _, conditions) = answer("ButAliases", "kms:PutKeyPolicy", &[]);
    assert_eq!(verdict_of, "conditional");
    assert_eq!(
        conditions,
        [
            "statement 1 of an inline policy of `ButAliases` allows it if its `NotResource` does not name this key"
        ]
    );
    assert_eq!(verdict("Admin", "kms:PutKeyPolicy"), "allowed");
    assert_eq!(verdict("Alice", "kms:DescribeKey"), "allowed");
    assert_eq!(verdict("Alice", "kms:Decrypt"), "not-allowed");
    // A user has its groups' policies, by `Groups` or `UserToGroupAddition`.
    assert_eq!(verdict("Bob", "kms:GetKeyPolicy"), "allowed");
    assert_eq!(verdict("Bob", "kms:Decrypt"), "not-allowed");
    // A managed policy not in the table gives nothing known.
    assert_eq!(verdict("Bystander", "kms:Decrypt"), "not-allowed");
    let rows = rows_of(file);
    let principals: Vec<&str> = rows.iter().map(|(p, _)| p.as_str()).collect();
    for role in [
        "Wildcard",
        "ViaS3",
        "AlmostAll",
        "ButAliases",
        "Admin",
        "Alice",
        "Bob",
    ] {
        assert!(
            principals.contains(&format!("{role} (of this template)").as_str()),
            "{role}: {rows:#?}"
        );
    }
    assert!(
        !principals.iter().any(|p| p.starts_with("Bystander")),
        "{rows:#?}"
    );
}

/// A role of the template has exactly the IAM policies the template gives it: when the key
/// policy lets the account's IAM policies decide, the role's inline and managed policies
/// answer (one under a template condition is conditional on it), and a role without one may
/// not. The matrix has a row for each role whose IAM policies allow actions on the key.
#[test]
fn template_roles_have_the_iam_policies_the_template_gives_them() {
    let file = "template-roles.yaml";
    let region = ["--region", "us-east-1"];
    let verdict = |role: &str, action: &str| only(&ask(file, role, action, &region)).0;
    assert_eq!(verdict("Reader", "kms:Decrypt"), "allowed");
    assert_eq!(verdict("Reader", "kms:Encrypt"), "not-allowed");
    assert_eq!(verdict("Other", "kms:Decrypt"), "not-allowed");
    let (verdict, _, conditions) = only(&ask(file, "Writer", "kms:Encrypt", &region));
    assert_eq!(verdict, "conditional");
    assert_eq!(
        conditions,
        ["statement 1 of the IAM policy `WriterPolicy` allows it if `InProduction` is true"]
    );
    let rows = rows_of(file);
    let principals: Vec<&str> = rows.iter().map(|(p, _)| p.as_str()).collect();
    assert!(
        principals.contains(&"Reader (of this template)"),
        "{rows:#?}"
    );
    assert!(
        principals.contains(&"Writer (of this template)"),
        "{rows:#?}"
    );
    assert!(
        !principals.iter().any(|p| p.starts_with("Other")),
        "{rows:#?}"
    );
    // The default key policy delegates the same way.
    let file = "role-and-default-policy.yaml";
    assert_eq!(
        only(&ask(file, "Reader", "kms:Decrypt", &region)).0,
        "allowed"
    );
    assert_eq!(
        rows_of(file),
        [
            (
                "Reader (of this template)".to_owned(),
                "not-allowed allowed+ not-allowed not-allowed".to_owned()
            ),
            (
                "any other principal of 111122223333 (by its IAM policies)".to_owned(),
                "conditional conditional conditional conditional".to_owned()
            ),
        ]
    );
}

/// A template a deployment declares is answered for as its stack, once per stack instance,
/// each with its account, Region and parameter values: the partner's role is of another
/// account in one instance and of the key's own in the other. The stack is in every form.
#[test]
fn a_deployed_template_is_answered_per_stack_instance() {
    let dir = common::root().join("tests/access/deployment");
    let question = [
        "--principal",
        "arn:aws:iam::444455556666:role/Reader",
        "--action",
        "kms:Decrypt",
    ];
    let run: Run = kmslint(
        &dir,
        &[&["access", "--format", "json"][..], &question].concat(),
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    let answers = run.json()["answers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let by_stack: Vec<(String, Vec<String>)> = answers
        .iter()
        .map(|a| {
            let (_, sids, _) = only(std::slice::from_ref(a));
            (a["stack"].as_str().unwrap_or_default().to_owned(), sids)
        })
        .collect();
    assert_eq!(
        by_stack,
        [
            (
                "stack keys, eu-west-1, account 111122223333".to_owned(),
                vec!["PartnerDecrypts".to_owned()]
            ),
            (
                "stack keys, eu-west-1, account 444455556666".to_owned(),
                vec!["EnableIamPolicies".to_owned(), "PartnerDecrypts".to_owned()]
            ),
        ]
    );
    let pretty: Run = kmslint(&dir, &[&["access"][..], &question].concat());
    assert!(
        pretty
            .stdout
            .contains("keys.yaml: key `SharedKey` (stack keys, eu-west-1, account 444455556666): "),
        "{}",
        pretty.stdout
    );
    let matrix: Run = kmslint(&dir, &["access", "--format", "json"]);
    let keys = matrix.json()["keys"].clone();
    let stacks: Vec<&str> = keys
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|k| k["stack"].as_str())
        .collect();
    assert_eq!(
        stacks,
        [
            "stack keys, eu-west-1, account 111122223333",
            "stack keys, eu-west-1, account 444455556666"
        ],
        "{}",
        matrix.stdout
    );
}
