//! Hostile inputs to the model layer: conditions built on conditions, values that expand to
//! each other, huge `Fn::Sub`s and numbers, a string `Statement`. Each is linted with the
//! binary next to a small template with a known finding, which must survive; work is bounded
//! by comparing output sizes (never by timing).

use crate::common;

use common::{Kmslint, Run, UNROTATED_KEY, dir_with};

#[allow(dead_code)]
#[path = "../../examples/generate_attacks.rs"]
mod attacks;

/// Lints `attack` and a template with a known finding (`other.yaml`, KMS104) together, in
/// compact format.
fn lint(attack: &str) -> Run {
    lint_with(attack, &[])
}

/// [`lint`] with more arguments: `--select` for the tests that count the attack's findings,
/// so that a new rule does not add to them (KMS104 too, which [`attack_findings`] looks for in
/// the other file).
fn lint_with(attack: &str, more: &[&str]) -> Run {
    let dir = dir_with(&[
        ("attack.yaml", attack.as_bytes()),
        ("other.yaml", UNROTATED_KEY.as_bytes()),
    ]);
    let mut args = vec![
        "check",
        "--format",
        "compact",
        "--no-config",
        "attack.yaml",
        "other.yaml",
    ];
    args.extend(more);
    Kmslint::new(dir.path(), &args).run()
}

/// The run's findings for the attack file, and that the other file kept its own.
fn attack_findings(run: &Run) -> Vec<&str> {
    assert!(
        run.stdout
            .lines()
            .any(|l| l.contains("other.yaml") && l.contains("KMS104")),
        "the other file lost its finding:\n{}",
        run.stdout
    );
    run.stdout
        .lines()
        .filter(|l| l.contains("attack.yaml"))
        .collect()
}

#[test]
fn doubling_conditions_are_reported_not_expanded() {
    let small = lint(&attacks::conditions_and(20));
    let big = lint(&attacks::conditions_and(40));
    for run in [&small, &big] {
        assert_eq!(run.status, 1);
        let found = attack_findings(run);
        assert!(
            found.iter().any(|l| l.contains("KMS003")
                && l.contains("condition `C17` has more than 100000 tests")),
            "{}",
            run.stdout
        );
    }
    // Twice the levels, the same finding: the output does not grow with the expansion.
    assert!(
        big.stdout.len() <= small.stdout.len() + 100,
        "{} vs {}",
        big.stdout.len(),
        small.stdout.len()
    );
}

#[test]
fn long_not_chains_are_cut_in_either_order() {
    for reverse in [false, true] {
        let n = attacks::conditions_not(3000, reverse);
        let n2 = attacks::conditions_not(6000, reverse);
        let small = lint_with(&n, &["--select", "KMS003,KMS104"]);
        let big = lint_with(&n2, &["--select", "KMS003,KMS104"]);
        for run in [&small, &big] {
            assert_eq!(run.status, 1);
            let found = attack_findings(run);
            assert_eq!(found.len(), 1, "{}", run.stdout);
            assert!(
                found[0].contains("KMS003")
                    && found[0].contains("chain of more than 64 conditions")
            );
        }
        assert!(big.stdout.len() <= 10 * n2.len());
    }
}

#[test]
fn nested_subs_and_mappings_are_resolved_once_and_stay_short() {
    for (name, attack) in [
        ("sub", attacks::sub_nested(12, 6)),
        ("sub_deep", attacks::sub_nested(40, 3)),
        ("map", attacks::find_in_map_nested(15, 4)),
    ] {
        let run = lint(&attack);
        assert_eq!(run.status, 1, "{}", run.stdout);
        attack_findings(&run);
        assert!(
            run.stdout.len() <= 10 * attack.len() + 2000,
            "{name}: {} bytes of output for {} of input",
            run.stdout.len(),
            attack.len()
        );
    }
}

#[test]
fn a_sub_with_many_variables_is_linear() {
    let small = attacks::sub_many_variables(10_000);
    let big = attacks::sub_many_variables(20_000);
    for attack in [&small, &big] {
        let run = lint(attack);
        assert_eq!(run.status, 1);
        let found = attack_findings(&run);
        assert!(found.iter().any(|l| l.contains("KMS401")), "{}", run.stdout);
        assert!(run.stdout.len() <= 2000, "{}", run.stdout.len());
    }
}

#[test]
fn a_huge_number_is_out_of_range_and_abbreviated() {
    let attack = attacks::pending_window(100_000);
    let run = lint_with(&attack, &["--select", "KMS101,KMS104"]);
    assert_eq!(run.status, 1);
    let found = attack_findings(&run);
    assert_eq!(found.len(), 1, "{}", run.stdout);
    assert!(
        found[0].contains("`PendingWindowInDays` is 1000") && found[0].contains("…"),
        "{}",
        found[0]
    );
    assert!(found[0].contains("it must be from 7 to 30"), "{}", found[0]);
    assert!(found[0].len() < 300);
}

#[test]
fn a_string_statement_is_reported() {
    let run = lint(&attacks::statement_string());
    assert_eq!(run.status, 1);
    let found = attack_findings(&run);
    assert!(
        found
            .iter()
            .any(|l| l.contains("KMS206") && l.contains("`Statement` is a string")),
        "{}",
        run.stdout
    );
    let items = "Resources:
  Key:
    Type: AWS::KMS::Key
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      EnableKeyRotation: true
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - just a string
";
    let run = lint(items);
    let found = attack_findings(&run);
    assert!(
        found.iter().any(|l| l.contains("KMS206")
            && l.contains(":11:13:")
            && l.contains("item is a string")),
        "{}",
        run.stdout
    );
}

use crate::hangs;

/// Runs kmslint with `args` on the files, killed past `seconds`.
fn run_within(files: &[(&str, &str)], args: &[&str], seconds: u64) -> Run {
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, t)| (*n, t.as_bytes())).collect();
    let dir = dir_with(&files);
    Kmslint::new(dir.path(), args)
        .deadline(std::time::Duration::from_secs(seconds))
        .run()
}

#[test]
fn a_long_description_is_scanned_in_one_pass() {
    // Two megabytes of 40-character tokens and the word "secret" at the end: each token used to
    // rescan the text for the word (quadratic). Every token is still reported.
    let attack = hangs::long_description(2 << 20);
    let tokens = (2 << 20) / 41;
    let args = ["check", "--format", "compact", "--no-config", "attack.yaml"];
    let run = run_within(&[("attack.yaml", &attack)], &args, 30);
    assert_eq!(run.status, 1, "{}", run.stderr);
    let secrets = run
        .stdout
        .lines()
        .filter(|l| l.contains("warning[KMS106] what looks like an AWS secret access key"))
        .count();
    assert_eq!(secrets, tokens);
}

#[test]
fn a_statement_nested_past_the_depth_limit_is_said_not_checked() {
    let args = ["check", "--format", "compact", "--no-config", "attack.yaml"];
    // 32 deep is read: the public statement is found.
    let run = run_within(&[("attack.yaml", &hangs::nested_if(32))], &args, 30);
    assert!(
        run.stdout
            .contains("error[KMS210] statement `Public` allows everyone"),
        "{}",
        run.stdout
    );
    // 33 deep is not: KMS210 says it did not check, instead of nothing.
    let run = run_within(&[("attack.yaml", &hangs::nested_if(33))], &args, 30);
    assert!(!run.stdout.contains("error[KMS210]"), "{}", run.stdout);
    assert!(
        run.stdout.lines().any(|l| l.contains(
            "info[KMS210] not checked for public-key-access: a value it reads has intrinsic functions nested more than 32 deep"
        )),
        "{}",
        run.stdout
    );
}

#[test]
fn a_change_nested_past_the_depth_limit_is_said_not_checked() {
    let diff = |depth| {
        let old = hangs::nested_key_spec(depth, "ECC_NIST_P256");
        let new = hangs::nested_key_spec(depth, "RSA_2048");
        let args = [
            "diff",
            "--format",
            "compact",
            "--no-config",
            "old.yaml",
            "new.yaml",
        ];
        run_within(&[("old.yaml", &old), ("new.yaml", &new)], &args, 30)
    };
    let run = diff(32);
    assert!(
        run.stdout.contains(
            "error[KMS501] `KeySpec` of key `Key` changes from `ECC_NIST_P256` to `RSA_2048`"
        ),
        "{}",
        run.stdout
    );
    let run = diff(33);
    assert!(!run.stdout.contains("error[KMS501]"), "{}", run.stdout);
    assert!(
        run.stdout.lines().any(|l| l.starts_with("new.yaml:")
            && l.contains("info[KMS501] not checked for immutable-key-property-changed")),
        "{}",
        run.stdout
    );
}

/// SAM templates of every wrong shape (`Globals`, `Properties`, `Events`, `Policies` that are
/// scalars, lists or intrinsic functions; a policy template without `KeyId`; an event without
/// `Properties`) are expanded without a panic, and the other file keeps its finding. Many
/// functions sharing `Globals` expand to as many resources, not more.
#[test]
fn sam_templates_of_every_wrong_shape_are_read() {
    let shapes = [
        "Globals: [1, 2]\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: 3\n",
        "Globals:\n  Function: !If [C, {KmsKeyArn: x}, {}]\nResources:\n  F:\n    Type: AWS::Serverless::Function\n",
        "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events: [a, b]\n      Policies: 7\n",
        "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        E: {Type: SQS}\n        G: {Type: SNS, Properties: {SqsSubscription: true}}\n        H: {Type: Schedule, Properties: {DeadLetterConfig: {Type: SQS}}}\n      Policies:\n        - KMSDecryptPolicy: {}\n        - {KMSEncryptPolicy: {KeyId: !Ref Nothing}, Other: 1}\n        - !If [C, AWSLambdaExecute, !Ref AWS::NoValue]\n      EventInvokeConfig: {DestinationConfig: [1]}\n      DeadLetterQueue: arn\n",
        "Resources:\n  T:\n    Type: AWS::Serverless::SimpleTable\n    Properties: !Ref X\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Role: 5\n      KmsKeyArn: [1]\n",
    ];
    for shape in shapes {
        let attack = format!("Transform: AWS::Serverless-2016-10-31\n{shape}");
        let run = lint(&attack);
        assert!(run.status <= 1, "{shape}\n{}", run.stderr);
        attack_findings(&run);
    }
    // A hundred functions inheriting a global key: a finding each, at the one global value.
    let mut many = String::from(
        "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    KmsKeyArn: !GetAtt Signing.Arn\nResources:\n  Signing:\n    Type: AWS::KMS::Key\n    Properties: {KeySpec: RSA_2048, KeyUsage: SIGN_VERIFY}\n",
    );
    for i in 0..100 {
        many.push_str(&format!(
            "  F{i}:\n    Type: AWS::Serverless::Function\n    Properties: {{Handler: a.b, Runtime: python3.12, CodeUri: s3://b/k}}\n"
        ));
    }
    let run = lint_with(&many, &["--select", "KMS603,KMS104"]);
    let findings = attack_findings(&run);
    assert_eq!(
        findings.iter().filter(|l| l.contains("KMS603")).count(),
        100,
        "{}",
        run.stdout
    );
}
