//! CDK cloud assemblies linted as deployments (docs/deployments.md): the real assemblies of
//! `tests/deployments/cdk/out` (their README says what each must give), and hand-made ones
//! for what a hostile pull request could put in a manifest.

use crate::common;

use std::path::Path;

use common::{Run, dir_with, kmslint};
use serde_json::Value;

const OUT: &str = "tests/deployments/cdk/out";

/// A stack template with one key that does not rotate (KMS104) and is not retained (KMS105).
const KEY: &[u8] = br#"{"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}, "Action": "kms:*", "Resource": "*"}]}}}}}"#;

/// A manifest with the given artifacts (JSON text of the `artifacts` object).
fn manifest(artifacts: &str) -> Vec<u8> {
    format!(r#"{{"version": "55.0.0", "artifacts": {artifacts}}}"#).into_bytes()
}

/// A manifest with one artifact (JSON text of its entry in `artifacts`).
fn manifest_of(artifact: &str) -> Vec<u8> {
    manifest(&format!("{{{artifact}}}"))
}

/// A stack artifact.
fn stack(id: &str, template: &str, env: &str) -> String {
    format!(
        r#""{id}": {{"type": "aws:cloudformation:stack", "environment": "{env}", "properties": {{"templateFile": "{template}"}}}}"#
    )
}

/// `kmslint check --format json --no-config --select KMS104,KMS605 ARGS` in `dir`.
fn check(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec![
        "check",
        "--format",
        "json",
        "--no-config",
        "--select",
        "KMS104,KMS605",
    ];
    all.extend_from_slice(args);
    kmslint(dir, &all)
}

/// `kmslint check --no-config ARGS` in the project's root, where [`OUT`] is.
fn check_in_root(args: &[&str]) -> Run {
    let mut all = vec!["check", "--no-config"];
    all.extend_from_slice(args);
    kmslint(&common::root(), &all)
}

/// Each finding's path and stack (`name region account`, `-` when unknown).
fn stacks_of(document: &Value) -> Vec<(String, String)> {
    document["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            let stack = &d["stack"];
            let stack = if stack.is_null() {
                "none".to_owned()
            } else {
                format!(
                    "{} {} {}",
                    stack["name"].as_str().unwrap(),
                    stack["region"].as_str().unwrap_or("-"),
                    stack["account"].as_str().unwrap_or("-")
                )
            };
            (d["path"].as_str().unwrap().to_owned(), stack)
        })
        .collect()
}

/// The `errors` of a JSON report, as `path: message`.
fn errors_of(document: &Value) -> Vec<String> {
    document["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e["path"].as_str().unwrap(),
                e["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn each_stack_is_linted_with_the_region_of_its_stage() {
    let root = common::root();
    let assembly = format!("{OUT}/stage-two-envs");
    let dr_keys = format!("{assembly}/assembly-Dr/DrKeysC8FA8E01.template.json");
    // The Dr stage's key has a Logs statement written for eu-west-1, in us-east-2: KMS605,
    // which needs the Region the stage's manifest gives.
    let run = check(&root, &[&assembly]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    let document = run.json();
    assert_eq!(
        stacks_of(&document),
        [(dr_keys.clone(), "Dr-Keys us-east-2 222222222222".to_owned())]
    );
    let summary = &document["summary"];
    assert_eq!(
        (
            &summary["files"],
            &summary["skipped"],
            &summary["stacks"],
            &summary["regions"]
        ),
        (
            &Value::from(4),
            &Value::from(0),
            &Value::from(4),
            &Value::from(2)
        ),
        "{summary}"
    );
    // The stack's Region is over the command line's: one --region cannot say two.
    let run = check(&root, &["--region", "eu-west-1", &assembly]);
    assert_eq!(stacks_of(&run.json()).len(), 1, "{}", run.stdout);
    // The same template named alone is still its stack's, found in the assembly it is in;
    // a copy of it outside any assembly is a loose file, with no Region: no KMS605.
    let run = check(&root, &[&dr_keys]);
    assert_eq!(
        stacks_of(&run.json()),
        [(dr_keys.clone(), "Dr-Keys us-east-2 222222222222".to_owned())]
    );
    let copy = dir_with(&[(
        "DrKeys.template.json",
        &std::fs::read(root.join(&dr_keys)).unwrap(),
    )]);
    let run = check(copy.path(), &["DrKeys.template.json"]);
    assert_eq!(run.status, 0, "{}", run.stdout);
    assert!(run.json()["summary"].get("stacks").is_none());
}

#[test]
fn every_real_assembly_lints_each_template_once_and_skips_nothing() {
    // (case, templates, Regions), from tests/deployments/cdk/README.md.
    let cases = [
        ("cross-region-reference", 2, 2),
        ("key-and-app", 2, 1),
        ("multi-region", 3, 3),
        ("multi-region-errors", 6, 3),
        ("nested-stacks", 3, 1),
        ("stage-two-envs", 4, 2),
        ("weak-references", 3, 2),
    ];
    for (case, templates, regions) in cases {
        let path = format!("{OUT}/{case}");
        let run = check_in_root(&["--format", "json", "-v", &path]);
        assert_ne!(run.status, 2, "{case}: {}", run.stderr);
        let summary = &run.json()["summary"];
        assert_eq!(summary["files"], templates, "{case}: {summary}");
        assert_eq!(summary["stacks"], templates, "{case}: {summary}");
        assert_eq!(summary["regions"], regions, "{case}: {summary}");
        assert_eq!(summary["skipped"], 0, "{case}: {summary}");
        assert!(!run.stderr.contains("skipped"), "{case}: {}", run.stderr);
        let shown = check_in_root(&["--show-files", &path]);
        let files: Vec<&str> = shown.stdout.lines().collect();
        assert_eq!(files.len(), templates, "{case}: {files:?}");
        assert!(
            files.iter().all(|f| f.ends_with(".template.json")),
            "{files:?}"
        );
    }
    // All of them at once, walked from above: the same 23 templates, each once.
    let run = check_in_root(&["--format", "json", OUT]);
    let summary = &run.json()["summary"];
    assert_eq!(
        (&summary["files"], &summary["stacks"]),
        (&Value::from(23), &Value::from(23))
    );
    assert_eq!(summary["skipped"], 0, "{summary}");
}

#[test]
fn nested_stacks_are_found_with_their_parents_environment() {
    let run = check_in_root(&["--show-files", &format!("{OUT}/nested-stacks")]);
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        [
            format!("{OUT}/nested-stacks/Platform.template.json"),
            format!("{OUT}/nested-stacks/PlatformConsumersD2897DCE.nested.template.json"),
            format!("{OUT}/nested-stacks/PlatformKeysC529AE5B.nested.template.json"),
        ]
    );
    // A nested stack's findings carry its name (parent/logical ID) and its parent's
    // environment, also when its template is named on the command line as well: once.
    let parent = br#"{"Resources": {"Child": {"Type": "AWS::CloudFormation::Stack", "Metadata": {"aws:asset:path": "child.nested.template.json"}, "Properties": {"TemplateURL": "https://example.com/x.json", "Parameters": {"Env": "prod"}}}}}"#;
    let dir = dir_with(&[
        ("out/cdk.out", br#"{"version":"55.0.0"}"#),
        (
            "out/manifest.json",
            &manifest_of(&stack(
                "Parent",
                "Parent.template.json",
                "aws://111111111111/eu-west-1",
            )),
        ),
        ("out/Parent.template.json", parent),
        ("out/child.nested.template.json", KEY),
    ]);
    for args in [
        &["out"][..],
        &["out", "out/child.nested.template.json"],
        &["out/child.nested.template.json", "out"],
    ] {
        let run = check(dir.path(), args);
        let document = run.json();
        assert_eq!(
            stacks_of(&document),
            [(
                "out/child.nested.template.json".to_owned(),
                "Parent/Child eu-west-1 111111111111".to_owned()
            )],
            "{args:?}"
        );
        assert_eq!(document["summary"]["files"], 2, "{args:?}");
    }
}

#[test]
fn environment_agnostic_stacks_keep_the_region_given() {
    let dir = dir_with(&[
        ("out/cdk.out", br#"{"version":"55.0.0"}"#),
        (
            "out/manifest.json",
            &manifest_of(&stack(
                "Any",
                "Any.template.json",
                "aws://unknown-account/unknown-region",
            )),
        ),
        ("out/Any.template.json", KEY),
    ]);
    let run = check(dir.path(), &["out"]);
    assert_eq!(
        stacks_of(&run.json()),
        [("out/Any.template.json".to_owned(), "Any - -".to_owned())]
    );
    assert!(run.json()["summary"].get("regions").is_none());
    // Its Region is the one it will be deployed to, which --region may say: a Logs statement
    // of another Region is then KMS605.
    std::fs::write(dir.path().join("out/Any.template.json"), LOGS_KEY).unwrap();
    assert!(stacks_of(&check(dir.path(), &["out"]).json()).is_empty());
    let run = check(dir.path(), &["--region", "us-east-2", "out"]);
    let codes = common::codes_for(&run.json(), "out/Any.template.json");
    assert_eq!(codes, ["KMS605"], "{}", run.stdout);
}

/// A rotating key whose policy lets CloudWatch Logs of eu-west-1 in.
const LOGS_KEY: &[u8] = br#"{"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": true, "KeyPolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}, "Action": "kms:*", "Resource": "*"}, {"Effect": "Allow", "Principal": {"Service": "logs.eu-west-1.amazonaws.com"}, "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*"}]}}}}}"#;

#[test]
fn walking_reads_an_assembly_but_not_an_ignored_one_unless_named() {
    let cdk = |dir: &str| -> Vec<(String, Vec<u8>)> {
        vec![
            (
                format!("{dir}/cdk.out"),
                br#"{"version":"55.0.0"}"#.to_vec(),
            ),
            (
                format!("{dir}/manifest.json"),
                manifest_of(&stack(
                    "S",
                    "S.template.json",
                    "aws://111111111111/us-east-1",
                )),
            ),
            (format!("{dir}/S.template.json"), KEY.to_vec()),
            (format!("{dir}/tree.json"), b"{}".to_vec()),
            (format!("{dir}/S.assets.json"), b"{}".to_vec()),
        ]
    };
    let mut files = cdk("cdk.out");
    files.extend(cdk("infra/synth"));
    files.push((".gitignore".to_owned(), b"cdk.out/\n".to_vec()));
    files.push((".git/HEAD".to_owned(), b"ref: refs/heads/main\n".to_vec()));
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let dir = dir_with(&files);
    let run = check(dir.path(), &[]);
    let document = run.json();
    assert_eq!(
        stacks_of(&document),
        [(
            "infra/synth/S.template.json".to_owned(),
            "S us-east-1 111111111111".to_owned()
        )]
    );
    assert_eq!(document["summary"]["skipped"], 0, "{document:#}");
    let run = check(dir.path(), &["cdk.out"]);
    assert_eq!(
        stacks_of(&run.json()),
        [(
            "cdk.out/S.template.json".to_owned(),
            "S us-east-1 111111111111".to_owned()
        )]
    );
}

#[test]
fn a_manifest_json_of_something_else_is_no_assembly() {
    let dir = dir_with(&[
        (
            "app/manifest.json",
            br#"{"name": "app", "version": "1.0", "artifacts": {"x": {"type": "zip"}}}"#,
        ),
        ("app/key.json", KEY),
    ]);
    let run = check(dir.path(), &[]);
    let document = run.json();
    assert_eq!(
        stacks_of(&document),
        [("app/key.json".to_owned(), "none".to_owned())]
    );
    // As before: the manifest is read, and skipped as no template.
    assert_eq!(document["summary"]["skipped"], 1, "{document:#}");
    assert!(document["summary"].get("stacks").is_none());
}

/// A hand-made assembly in `out/` with `good` (a stack linted) and the artifacts given.
fn hostile(artifacts: &str, more: &[(&str, &[u8])]) -> tempfile::TempDir {
    let good = stack("Good", "Good.template.json", "aws://111111111111/eu-west-1");
    let mut files: Vec<(&str, &[u8])> = vec![
        ("out/cdk.out", br#"{"version":"55.0.0"}"#),
        ("out/Good.template.json", KEY),
        ("outside.json", KEY),
    ];
    let manifest = manifest(&format!("{{{good}, {artifacts}}}"));
    files.push(("out/manifest.json", &manifest));
    files.extend_from_slice(more);
    dir_with(&files)
}

/// Runs kmslint on `out/` of `dir`: exit 2, the good stack linted, nothing outside read,
/// and the errors.
fn errors_checking(dir: &Path) -> Vec<String> {
    let run = check(dir, &["out"]);
    assert_eq!(run.status, 2, "{}\n{}", run.stdout, run.stderr);
    let document = run.json();
    let linted = stacks_of(&document);
    assert!(
        linted.iter().any(|(p, _)| p == "out/Good.template.json"),
        "{linted:?}"
    );
    assert!(
        linted.iter().all(|(p, _)| !p.contains("outside")),
        "{linted:?}"
    );
    errors_of(&document)
}

#[test]
fn a_manifest_naming_files_outside_its_assembly_is_an_error() {
    for template in ["../outside.json", "/etc/passwd", "sub/../../outside.json"] {
        let dir = hostile(&stack("Bad", template, "aws://111111111111/eu-west-1"), &[]);
        assert_eq!(
            errors_checking(dir.path()),
            [format!(
                "out/manifest.json: stack `Bad`: `{template}` is not a path inside the assembly (absolute, or with `..`)"
            )]
        );
    }
    let dir = hostile(
        &stack("Bad", "link.json", "aws://111111111111/eu-west-1"),
        &[],
    );
    std::os::unix::fs::symlink("../outside.json", dir.path().join("out/link.json")).unwrap();
    assert_eq!(
        errors_checking(dir.path()),
        [
            "out/manifest.json: stack `Bad`: `link.json` leads outside the assembly (through a symbolic link)"
        ]
    );
    // A nested stack's template too, reported at its parent's template.
    let parent = br#"{"Resources": {"N": {"Type": "AWS::CloudFormation::Stack", "Metadata": {"aws:asset:path": "../outside.json"}}}}"#;
    let dir = hostile(
        &stack(
            "Parent",
            "Parent.template.json",
            "aws://111111111111/eu-west-1",
        ),
        &[("out/Parent.template.json", parent)],
    );
    assert_eq!(
        errors_checking(dir.path()),
        [
            "out/Parent.template.json: nested stack `N`: `../outside.json` is not a path inside the assembly (absolute, or with `..`)"
        ]
    );
}

#[test]
fn missing_templates_and_bad_environments_are_errors_of_the_manifest() {
    let dir = hostile(
        &stack("Gone", "Gone.template.json", "aws://111111111111/eu-west-1"),
        &[],
    );
    assert_eq!(
        errors_checking(dir.path()),
        ["out/manifest.json: stack `Gone`: `Gone.template.json`: no such file or directory"]
    );
    let dir = hostile(
        &format!(
            "{}, {}",
            stack("Odd", "Good.template.json", "somewhere"),
            stack(
                "NoRegion",
                "Good.template.json",
                "aws://111111111111/eu-west-9"
            )
        ),
        &[],
    );
    let errors = errors_checking(dir.path());
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].contains("stack `NoRegion`: environment `aws://111111111111/eu-west-9`"),
        "{errors:?}"
    );
    assert!(
        errors[1].contains("stack `Odd`: environment `somewhere` is not aws://ACCOUNT/REGION"),
        "{errors:?}"
    );
}

#[test]
fn a_malformed_manifest_is_an_error_not_a_panic() {
    for text in [
        &b"{\"version\": \"55.0.0\", \"artifacts\": ["[..],
        b"not json",
        b"{\"artifacts\": {\"a\": {\"type\": 3}}}",
        b"",
    ] {
        let dir = dir_with(&[
            ("out/cdk.out", b"{}"),
            ("out/manifest.json", text),
            ("out/S.template.json", KEY),
        ]);
        let run = check(dir.path(), &["out"]);
        assert_eq!(run.status, 2, "{}", run.stderr);
        let errors = errors_of(&run.json());
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("out/manifest.json: not a cloud assembly manifest: "),
            "{errors:?}"
        );
        assert_eq!(run.json()["summary"]["files"], 0);
    }
}

#[test]
fn loops_of_nested_assemblies_and_stacks_end() {
    let nested = |id: &str, dir: &str| {
        format!(
            r#""{id}": {{"type": "cdk:cloud-assembly", "properties": {{"directoryName": "{dir}"}}}}"#
        )
    };
    // The assembly nested in itself, by name and through a link.
    let dir = hostile(&nested("Self", "."), &[]);
    assert_eq!(
        errors_checking(dir.path()),
        ["out/manifest.json: this assembly is nested in itself"]
    );
    let dir = hostile(&nested("Stage", "stage"), &[("out/stage/cdk.out", b"{}")]);
    std::fs::write(
        dir.path().join("out/stage/manifest.json"),
        manifest_of(&nested("Back", "up")),
    )
    .unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("out/stage/up")).unwrap();
    assert_eq!(
        errors_checking(dir.path()),
        ["out/stage/up/manifest.json: this assembly is nested in itself"]
    );
    // A nested stack whose template is its parent's: each template once.
    let parent = br#"{"Resources": {"Again": {"Type": "AWS::CloudFormation::Stack", "Metadata": {"aws:asset:path": "Good.template.json"}}}}"#;
    let dir = dir_with(&[
        ("out/cdk.out", b"{}"),
        (
            "out/manifest.json",
            &manifest_of(&stack(
                "P",
                "P.template.json",
                "aws://111111111111/eu-west-1",
            )),
        ),
        ("out/P.template.json", parent),
        ("out/Good.template.json", parent),
    ]);
    let run = check(dir.path(), &["out"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["files"], 2);
    // Stages nested deeper than the bound: an error, not a stack overflow.
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut path = "out".to_owned();
    for _ in 0..40 {
        files.push((format!("{path}/cdk.out"), b"{}".to_vec()));
        files.push((
            format!("{path}/manifest.json"),
            manifest_of(&nested("In", "in")),
        ));
        path.push_str("/in");
    }
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let dir = dir_with(&files);
    let run = check(dir.path(), &["out"]);
    assert_eq!(run.status, 2, "{}", run.stderr);
    let errors = errors_of(&run.json());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].ends_with("nested assemblies deeper than 16 are not read"),
        "{errors:?}"
    );
}

/// `--show-settings` on an assembly lists its stacks, each with its Region, account and
/// deployer (the CloudFormation execution role).
#[test]
fn show_settings_lists_the_stacks_of_an_assembly() {
    let run = check_in_root(&["--show-settings", &format!("{OUT}/multi-region")]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let stacks: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("  stack "))
        .collect();
    let manifest = format!("# cloud assembly {OUT}/multi-region/manifest.json");
    assert_eq!(
        stacks,
        [
            format!(
                "  stack Primary = {{ template = \"{OUT}/multi-region/Primary.template.json\", region = \"us-east-1\", account = \"111111111111\", deployer-arn = \"arn:aws:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-us-east-1\" }}  {manifest}"
            ),
            format!(
                "  stack ReplicasAp = {{ template = \"{OUT}/multi-region/ReplicasAp.template.json\", region = \"ap-southeast-2\", account = \"111111111111\", deployer-arn = \"arn:aws:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-ap-southeast-2\" }}  {manifest}"
            ),
            format!(
                "  stack ReplicasEu = {{ template = \"{OUT}/multi-region/ReplicasEu.template.json\", region = \"eu-west-1\", account = \"111111111111\", deployer-arn = \"arn:aws:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-eu-west-1\" }}  {manifest}"
            ),
        ]
    );
}

/// What a user sees: the finding, and the summary counting the stacks and their Regions.
#[test]
fn the_pretty_report_counts_stacks_and_regions() {
    let run = check_in_root(&[&format!("{OUT}/stage-two-envs")]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
    // Every assembly: the counts of stacks and Regions (the findings are tests/it/linked.rs's
    // business).
    let run = check_in_root(&[OUT]);
    let summary = run.stdout.lines().find(|l| l.starts_with("Checked"));
    assert!(
        summary.is_some_and(|l| l.starts_with("Checked 23 files (23 stacks in 4 Regions): ")),
        "{}",
        run.stdout
    );
}

/// A key only the China Regions offer (KMS102 when the Region is known and is not one).
const SM2_KEY: &[u8] = b"Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeySpec: SM2\n      KeyUsage: SIGN_VERIFY\n";

/// `[[stacks]]` in `.kmslint.toml`: a declared template is linted with its stack's Region and
/// account, named or walked, from the directory of the configuration or below it; a stack
/// deployed to several Regions is linted once per Region (its findings say which), and
/// reported with its Region unknown; a template in no stack is linted alone.
#[test]
fn a_declared_template_is_linted_with_its_stacks_region() {
    let table = b"[[stacks]]\nname = \"keys\"\ntemplate = \"infra/keys.yaml\"\nregion = \"eu-west-1\"\naccount = \"111122223333\"\n\n[[stacks]]\nname = \"everywhere\"\ntemplate = \"infra/everywhere.yaml\"\nregions = [\"eu-west-1\", \"us-east-1\"]\n";
    let dir = dir_with(&[
        (".git/HEAD", b"ref: refs/heads/main\n"),
        (".kmslint.toml", table),
        ("infra/keys.yaml", SM2_KEY),
        ("infra/everywhere.yaml", SM2_KEY),
        ("infra/loose.yaml", SM2_KEY),
    ]);
    let lint = |cwd: &Path, args: &[&str]| {
        let mut all = vec!["check", "--format", "json", "--select", "KMS102"];
        all.extend_from_slice(args);
        kmslint(cwd, &all).json()
    };
    let walked = lint(dir.path(), &[]);
    assert_eq!(
        stacks_of(&walked),
        [
            (
                "infra/everywhere.yaml".to_owned(),
                "everywhere - -".to_owned()
            ),
            (
                "infra/everywhere.yaml".to_owned(),
                "everywhere - -".to_owned()
            ),
            (
                "infra/keys.yaml".to_owned(),
                "keys eu-west-1 111122223333".to_owned()
            )
        ]
    );
    let messages: Vec<&str> = walked["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert!(
        messages[0].ends_with("(in stack everywhere, eu-west-1)"),
        "{messages:?}"
    );
    assert!(
        messages[1].ends_with("(in stack everywhere, us-east-1)"),
        "{messages:?}"
    );
    // `everywhere` is a stack in each of its two Regions.
    assert_eq!(walked["summary"]["stacks"], 3, "{walked:#}");
    // Named from below the configuration's directory, by another spelling of its path.
    let named = lint(&dir.path().join("infra"), &["./../infra/keys.yaml"]);
    assert_eq!(named["diagnostics"][0]["stack"]["region"], "eu-west-1");
}

/// A key policy that only a role of its own grants `kms:PutKeyPolicy`: deployed by CDK, the
/// stack's key is created by its CloudFormation execution role (the manifest's
/// `cloudFormationExecutionRoleArn`, placeholders filled from the stack's environment), which
/// KMS204 then names, as with `--deployer-arn`; an environment-agnostic stack's role is not
/// known, and the finding stays the warning about any other principal.
#[test]
fn a_cdk_stack_is_deployed_by_its_execution_role() {
    let policy = br#"{"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:role/KeyAdmins"}, "Action": "kms:*", "Resource": "*"}]}}}}}"#;
    let role = r#""cloudFormationExecutionRoleArn": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}""#;
    let artifact = |id: &str, env: &str| {
        format!(
            r#""{id}": {{"type": "aws:cloudformation:stack", "environment": "{env}", "properties": {{"templateFile": "{id}.template.json", {role}}}}}"#
        )
    };
    let artifacts = format!(
        "{{{}, {}}}",
        artifact("Known", "aws://111111111111/eu-west-1"),
        artifact("Agnostic", "aws://unknown-account/unknown-region")
    );
    let dir = dir_with(&[
        ("cdk.out/manifest.json", &manifest(&artifacts)),
        ("cdk.out/Known.template.json", policy),
        ("cdk.out/Agnostic.template.json", policy),
    ]);
    let run = kmslint(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--no-config",
            "--select",
            "KMS204",
            "cdk.out",
        ],
    );
    let json = run.json();
    let found: Vec<(String, String, String)> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_owned(),
                d["severity"].as_str().unwrap().to_owned(),
                d["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(found[0].0, "cdk.out/Agnostic.template.json");
    assert_eq!(found[0].1, "warning", "{found:#?}");
    assert_eq!(found[1].0, "cdk.out/Known.template.json");
    assert_eq!(found[1].1, "error", "{found:#?}");
    assert!(
        found[1].2.contains(
            "arn:aws:iam::111111111111:role/cdk-hnb6…ds-cfn-exec-role-111111111111-eu-west-1"
        ),
        "{found:#?}"
    );
}

/// A `[[stacks]]` stack's `deployer-arn` is the principal its keys' policies are checked
/// against (KMS204), as `--deployer-arn` is for a file in no stack.
#[test]
fn a_declared_stack_is_deployed_by_its_deployer() {
    let policy = b"Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n            Principal:\n              AWS: arn:aws:iam::111122223333:role/KeyAdmins\n            Action: kms:*\n            Resource: '*'\n";
    let table = b"[[stacks]]\nname = \"keys\"\ntemplate = \"keys.yaml\"\nregion = \"eu-west-1\"\naccount = \"111122223333\"\ndeployer-arn = \"arn:aws:iam::111122223333:role/Pipeline\"\n\n[[stacks]]\nname = \"admins\"\ntemplate = \"admins.yaml\"\nregion = \"eu-west-1\"\naccount = \"111122223333\"\ndeployer-arn = \"arn:aws:iam::111122223333:role/KeyAdmins\"\n";
    let dir = dir_with(&[
        (".git/HEAD", b"ref: refs/heads/main\n"),
        (".kmslint.toml", table),
        ("keys.yaml", policy),
        ("admins.yaml", policy),
    ]);
    let json = kmslint(
        dir.path(),
        &["check", "--format", "json", "--select", "KMS204"],
    )
    .json();
    let found: Vec<(&str, &str)> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| (d["path"].as_str().unwrap(), d["severity"].as_str().unwrap()))
        .collect();
    // The pipeline role is locked out; the key admins role deploys its own policy.
    assert_eq!(found, [("keys.yaml", "error")], "{json:#}");
    let message = json["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("role/Pipeline"), "{message}");
}
