//! Deployments linted as a whole, with the links between their stacks (issue 24, "Tests and
//! proof"): the hand-written `[[stacks]]` deployments of `tests/deployments/table` and the real
//! CDK assemblies of `tests/deployments/cdk/out`. Each case lists, exactly, the findings it must
//! give (`expected.txt`, or `tests/deployments/cdk/expected/<case>.txt`): one `path:line CODE`
//! a line, sorted, the path relative to the case's directory. A finding that is not listed is a
//! finding the case must not give (the READMEs say why each line is there, and what must not be).

use crate::common;

use common::{Run, kmslint};
use serde_json::Value;

/// The hand-written deployments, one directory per case (tests/deployments/table/README.md).
const TABLE: &str = "tests/deployments/table";
/// The real CDK assemblies (tests/deployments/cdk/README.md) and their expectations.
const CDK_OUT: &str = "tests/deployments/cdk/out";
const CDK_EXPECTED: &str = "tests/deployments/cdk/expected";

/// The lines of a file of expectations, sorted as the findings are.
fn expected_lines(file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(common::root().join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

/// Each finding of a JSON report as `path:line CODE`, the path relative to `dir` (as the
/// run was given it, from the project's root), sorted.
fn findings_of(document: &Value, dir: &str) -> Vec<String> {
    let prefix = format!("{dir}/");
    let mut lines: Vec<String> = document["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            let path = d["path"].as_str().expect("path");
            format!(
                "{}:{} {}",
                path.strip_prefix(&prefix).unwrap_or(path),
                d["start"]["line"],
                d["code"].as_str().expect("code")
            )
        })
        .collect();
    lines.sort();
    lines
}

/// `kmslint check --format json DIR` from the project's root, which must lint (exit 0 or 1,
/// no file in `errors`).
fn check(dir: &str, no_config: bool) -> Value {
    let mut args = vec!["check", "--format", "json"];
    if no_config {
        // The assemblies have no configuration of their own; the project's would not apply.
        args.push("--no-config");
    }
    args.push(dir);
    let run: Run = kmslint(&common::root(), &args);
    assert!(
        run.status == 0 || run.status == 1,
        "kmslint check {dir}: exit {}\n{}",
        run.status,
        run.stderr
    );
    let document = run.json();
    assert_eq!(
        document["errors"],
        Value::Array(Vec::new()),
        "kmslint check {dir}: errors"
    );
    document
}

/// Fails with a unified diff (`-` must be given and is not, `+` is given and must not be)
/// when the findings are not exactly the expected ones.
fn assert_findings(actual: &[String], expected: &[String], case: &str, expected_file: &str) {
    if actual == expected {
        return;
    }
    let expected_text: String = expected.iter().map(|l| format!("{l}\n")).collect();
    let actual_text: String = actual.iter().map(|l| format!("{l}\n")).collect();
    let diff = similar::TextDiff::from_lines(expected_text.as_str(), actual_text.as_str())
        .unified_diff()
        .header(expected_file, "kmslint check --format json")
        .to_string();
    panic!(
        "{case}: the findings are not exactly those of {expected_file} \
         (-: must be given, is not; +: is given, must not be)\n{diff}"
    );
}

/// A hand-written deployment: its findings are exactly `expected.txt`, and each is a finding
/// made across stacks, so it shows the other stack's place as a related location in another
/// file of the case (issue 24, "Outputs and the editor").
fn table_case(case: &str) {
    let dir = format!("{TABLE}/{case}");
    let expected_file = format!("{dir}/expected.txt");
    let document = check(&dir, false);
    assert_findings(
        &findings_of(&document, &dir),
        &expected_lines(&expected_file),
        case,
        &expected_file,
    );
    for d in document["diagnostics"].as_array().expect("diagnostics") {
        let path = d["path"].as_str().expect("path");
        let elsewhere = d["related"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["path"].as_str() != Some(path)));
        assert!(
            elsewhere,
            "{case}: {path}:{} {} has no related location in another stack's file: {d}",
            d["start"]["line"], d["code"]
        );
    }
}

/// A real CDK assembly: its findings are exactly `expected/<case>.txt`.
fn cdk_case(case: &str) {
    let dir = format!("{CDK_OUT}/{case}");
    let expected_file = format!("{CDK_EXPECTED}/{case}.txt");
    let document = check(&dir, true);
    assert_findings(
        &findings_of(&document, &dir),
        &expected_lines(&expected_file),
        case,
        &expected_file,
    );
}

/// The case directories under `dir` (sorted), for the tests that every case has its
/// expectation.
fn cases_in(dir: &str) -> Vec<String> {
    let mut cases: Vec<String> = std::fs::read_dir(common::root().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|entry| entry.expect("entry"))
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    cases
}

#[test]
fn every_case_has_its_expectations() {
    let root = common::root();
    for case in cases_in(TABLE) {
        let files: Vec<String> = if case == "config-errors" {
            cases_in(&format!("{TABLE}/{case}"))
                .iter()
                .map(|error| format!("{TABLE}/{case}/{error}/expected-error.txt"))
                .collect()
        } else {
            vec![format!("{TABLE}/{case}/expected.txt")]
        };
        for file in files {
            assert!(root.join(&file).is_file(), "{file} is missing");
        }
    }
    for case in cases_in(CDK_OUT) {
        let file = format!("{CDK_EXPECTED}/{case}.txt");
        assert!(root.join(&file).is_file(), "{file} is missing");
    }
}

#[test]
fn table_imports() {
    table_case("imports");
}

#[test]
fn table_iam_grants() {
    table_case("iam-grants");
}

#[test]
fn table_key_types() {
    table_case("key-types");
}

#[test]
fn table_publishers() {
    table_case("publishers");
}

#[test]
fn table_outputs_as_parameters() {
    table_case("outputs-as-parameters");
}

#[test]
fn table_ssm() {
    table_case("ssm");
}

#[test]
fn table_unresolved_links_are_silent() {
    table_case("unresolved");
}

#[test]
fn table_regions_list() {
    table_case("regions-list");
}

/// The summary counts stacks as deployed: a template the table deploys to two Regions is a
/// stack in each (4 templates; 6 stacks in us-east-1, eu-west-1, ap-southeast-2, sa-east-1).
#[test]
fn the_summary_counts_each_instance_of_a_stack() {
    let dir = "tests/deployments/table/regions-list";
    let summary = &check(dir, false)["summary"];
    assert_eq!(summary["files"], 4);
    assert_eq!(summary["stacks"], 6);
    assert_eq!(summary["regions"], 4);
    let run: Run = kmslint(&common::root(), &["check", dir]);
    assert!(
        run.stdout
            .contains("Checked 4 files (6 stacks in 4 Regions)"),
        "{}",
        run.stdout
    );
}

/// Each `config-errors/<error>/`: exit 2, and the error names the table's file and line
/// (`expected-error.txt`: `.kmslint.toml:LINE TEXT`, TEXT a part of the message).
#[test]
fn table_config_errors() {
    let root = common::root();
    let errors = format!("{TABLE}/config-errors");
    let cases = cases_in(&errors);
    assert!(!cases.is_empty(), "no case in {errors}");
    for case in cases {
        let dir = format!("{errors}/{case}");
        let expected = expected_lines(&format!("{dir}/expected-error.txt"));
        let [expected] = expected.as_slice() else {
            panic!("{dir}/expected-error.txt: one line, `.kmslint.toml:LINE TEXT`");
        };
        let (place, text) = expected
            .split_once(' ')
            .unwrap_or_else(|| panic!("{dir}/expected-error.txt: `.kmslint.toml:LINE TEXT`"));
        for format in ["pretty", "json"] {
            let run = kmslint(&root, &["check", "--format", format, &dir]);
            assert_eq!(run.status, 2, "{case} ({format}): {}", run.stderr);
            // The file is named as kmslint found it (absolute, from the walk's configuration):
            // its path ends with the case's.
            let at = format!("{dir}/{place}:");
            let line = run
                .stderr
                .lines()
                .find(|l| l.contains(&at))
                .unwrap_or_else(|| panic!("{case} ({format}): no error at {at}\n{}", run.stderr));
            assert!(
                line.contains(text),
                "{case} ({format}): the error at {at} does not say `{text}`: {line}"
            );
        }
    }
}

#[test]
fn cdk_key_and_app() {
    cdk_case("key-and-app");
}

#[test]
fn cdk_cross_region_reference() {
    cdk_case("cross-region-reference");
}

#[test]
fn cdk_multi_region() {
    cdk_case("multi-region");
}

#[test]
fn cdk_multi_region_errors() {
    cdk_case("multi-region-errors");
}

#[test]
fn cdk_nested_stacks() {
    cdk_case("nested-stacks");
}

#[test]
fn cdk_stage_two_envs() {
    cdk_case("stage-two-envs");
}

#[test]
fn cdk_weak_references() {
    cdk_case("weak-references");
}
