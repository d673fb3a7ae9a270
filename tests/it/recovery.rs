//! A file with a syntax error is linted from the loader's best reading of it (issue 23 §3):
//! the error is reported (KMS001) where it is, the rest of the file is linted, and no fix is
//! offered until the file parses. Each case below breaks a template in one place and checks
//! that a finding elsewhere (KMS104, a key without rotation) is still reported.

use crate::common;

use kmslint_core::{Outcome, lint_text};

/// A template with one key that does not rotate (KMS104, fixable) and `@` where each case
/// puts its error.
const JSON: &str = r#"{
  "Resources": {
    "Other": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "t"}@},
    "Key": {
      "Type": "AWS::KMS::Key",
      "Properties": {"Description": "d"}
    }
  }
}
"#;

const YAML: &str = "Resources:
  Other:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: t@
  Key:
    Type: AWS::KMS::Key
    Properties:
      Description: d
";

/// Lines and columns of findings.
type Places = Vec<(u32, u32)>;

/// (KMS001's line and column, KMS104's) for `text`, asserting that nothing offers a fix.
fn findings(name: &str, text: &str) -> (Places, Places) {
    let report = lint_text(name, text, &common::only(&["KMS001", "KMS104"]));
    let at = |code: &str| {
        report
            .diagnostics
            .iter()
            .filter(|d| d.code == code)
            .map(|d| (d.start.line, d.start.column))
            .collect::<Vec<_>>()
    };
    let (errors, rotation) = (at("KMS001"), at("KMS104"));
    if !errors.is_empty() {
        assert!(
            report.diagnostics.iter().all(|d| d.fix.is_none()),
            "{name}: a file that does not parse offers no fix: {:#?}",
            report.diagnostics
        );
    }
    (errors, rotation)
}

#[test]
fn the_templates_without_errors_have_a_fixable_finding() {
    for (name, text) in [
        ("t.json", JSON.replace('@', "")),
        ("t.yaml", YAML.replace('@', "")),
    ] {
        let report = lint_text(name, &text, &common::only(&["KMS001", "KMS104"]));
        let codes: Vec<_> = report.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["KMS104"], "{name}");
        assert!(report.diagnostics[0].fix.is_some(), "{name}");
    }
}

#[test]
fn json_errors_the_parser_reads_past_leave_the_rest_linted() {
    for (error, errors, key) in [
        // A trailing comma, comments, a missing comma between members.
        (",", vec![(3, 74)], (4, 5)),
        ("\n    // the topic\n    ", vec![(4, 5)], (6, 5)),
        (" /* the topic */", vec![(3, 75)], (4, 5)),
        (
            r#", "Tags": [{"Key": "a", "Value": "b"},]"#,
            vec![(3, 111)],
            (4, 5),
        ),
        (
            r#", "DisplayName": "x" "FifoTopic": false"#,
            vec![(3, 94)],
            (4, 5),
        ),
        // Several of them.
        (", // c\n    ", vec![(3, 74), (3, 76)], (5, 5)),
    ] {
        let text = JSON.replace('@', error);
        assert_eq!(findings("t.json", &text), (errors, vec![key]), "{text}");
    }
    // A string left unclosed, in a template laid out one member a line: it ends at its line.
    let text = JSON.replace('@', "").replace(
        r#""TopicName": "t"}"#,
        "\n        \"TopicName\": \"t,\n        \"DisplayName\": \"x\"\n      }",
    );
    assert_eq!(
        findings("t.json", &text),
        (vec![(4, 22)], vec![(7, 5)]),
        "{text}"
    );
    // The end of the text inside the template: what is there is linted.
    let text = &JSON.replace('@', "")[..JSON.find("\n  }\n}").unwrap() - 1];
    assert_eq!(findings("t.json", text), (vec![(2, 16)], vec![(4, 5)]));
}

#[test]
fn yaml_lines_the_parser_reads_past_leave_the_rest_linted() {
    for (error, errors) in [
        // A value that is not one, an unclosed quote, a line indented with a tab (saphyr
        // stops at the value before it too).
        (": x", vec![(5, 19)]),
        ("\n      DisplayName: \"x", vec![(6, 20)]),
        ("\n\t  DisplayName: x", vec![(5, 18), (6, 4)]),
        ("\n     DisplayName: x", vec![(6, 6)]),
    ] {
        let text = YAML.replace('@', error);
        let key = (6 + u32::from(error.starts_with('\n')), 3);
        assert_eq!(findings("t.yaml", &text), (errors, vec![key]), "{text}");
    }
}

#[test]
fn what_cannot_be_read_past_is_reported_alone() {
    for (name, text) in [
        // A string left unclosed that hid the brackets after it on its line, a single-quoted
        // one, an unquoted key: reading on would be a guess.
        ("t.json", JSON.replace('@', r#", "DisplayName": "x"#)),
        ("t.json", JSON.replace('@', r#", "DisplayName": 'x'"#)),
        ("t.json", JSON.replace('@', r#", DisplayName: "x""#)),
        // A comment that hides a closing bracket: the brackets no longer balance, and the end
        // of the text is not read past after another error.
        ("t.json", JSON.replace('@', " // the topic")),
        // An unclosed flow collection in YAML: its error is found where it cannot be blanked.
        ("t.yaml", YAML.replace('@', "\n      Tags: [{a: 1")),
    ] {
        let (errors, rotation) = findings(name, &text);
        assert!(!errors.is_empty() && rotation.is_empty(), "{text}");
    }
}

#[test]
fn a_file_of_errors_gets_a_bounded_report() {
    let comments = JSON.replace('@', &"/* x */\n".repeat(10_000));
    let (errors, rotation) = findings("t.json", &comments);
    assert_eq!((errors.len(), rotation.len()), (21, 0));
    let commas = format!("[{}1]", "1 ".repeat(10_000));
    assert_eq!(
        findings("policy.json", &commas).0.len(),
        0,
        "not a policy: skipped"
    );
    let broken = YAML.replace('@', &"\n      a: b: c".repeat(10_000));
    let (errors, rotation) = findings("t.yaml", &broken);
    assert_eq!((errors.len(), rotation.len()), (1, 0));
}

#[test]
fn a_recovered_reading_that_is_no_template_is_reported_as_unparsable() {
    // The broken line holds the whole `Resources` section: what is left is not a template,
    // but the file says it is one, so its error is reported rather than the file skipped.
    let text = "Resources: x: y\n  Key:\n    Type: AWS::KMS::Key\nOutputs: {}\n";
    let report = lint_text("t.yaml", text, &common::only(&["KMS001", "KMS104"]));
    assert_eq!(report.outcome, Outcome::Unparsable);
    let codes: Vec<_> = report.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["KMS001"]);
}

#[test]
fn a_file_read_past_its_error_is_not_compared_with_its_previous_version() {
    // The key's type line is broken: blanked with what is under it, the key would look
    // deleted (KMS502) if the reading were compared.
    let old = YAML.replace('@', "");
    let new = YAML
        .replace('@', "")
        .replace("    Type: AWS::KMS::Key", "  Type: x: y");
    let report = kmslint_core::lint_against(
        "t.yaml",
        &new,
        &common::only(&["KMS001", "KMS502"]),
        &kmslint_core::Previous::Text {
            name: "old.yaml",
            text: &old,
        },
    );
    assert_eq!(report.comparison, kmslint_core::Comparison::NotCompared);
    let codes: Vec<_> = report.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["KMS001"]);
}
