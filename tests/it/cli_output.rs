//! What `kmslint check` writes, format by format: stdin with `--stdin-filename`,
//! `--statistics` per format, unreadable paths in every report, colours from the environment,
//! `--output-file` and the short flags, rule URLs and SARIF's names and fingerprints, and the
//! JSON output against its schema (`schema/kmslint-output.schema.json`).

use crate::common;

use common::{Kmslint, UNROTATED_KEY, codes_for, dir_with, kmslint};
use serde_json::Value;

#[test]
fn stdin_filename_reads_stdin_and_ignores_other_paths() {
    let dir = dir_with(&[("other.yaml", UNROTATED_KEY.as_bytes())]);
    // The unrotated key on stdin as `r.yaml`, and `paths`.
    let from_stdin = |paths: &[&str]| {
        let mut args = vec![
            "check",
            "--select",
            "KMS104,KMS105",
            "--stdin-filename",
            "r.yaml",
        ];
        args.extend_from_slice(paths);
        args.extend(["--format", "json"]);
        Kmslint::new(dir.path(), &args)
            .stdin(UNROTATED_KEY.as_bytes())
            .run()
    };
    // No `-`: stdin is still read, and the directory is not walked.
    let run = from_stdin(&[]);
    let json = run.json();
    assert_eq!(codes_for(&json, "r.yaml"), ["KMS104", "KMS105"], "{json}");
    assert!(codes_for(&json, "other.yaml").is_empty(), "{json}");
    assert_eq!(json["summary"]["files"], 1);
    // A path beside it is ignored, with a warning, as ruff does.
    let run = from_stdin(&["other.yaml"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["files"], 1);
    assert_eq!(
        run.stderr_lines("ignoring other.yaml in favor of standard input")
            .len(),
        1,
        "{}",
        run.stderr
    );
}

#[test]
fn statistics_follow_the_format() {
    let dir = dir_with(&[("key.yaml", UNROTATED_KEY.as_bytes())]);
    let json = kmslint(
        dir.path(),
        &[
            "check",
            "--select",
            "KMS104,KMS105",
            "--statistics",
            "--format",
            "json",
        ],
    );
    let doc = json.json();
    assert_eq!(doc["statistics"][0]["code"], "KMS104", "{doc}");
    assert_eq!(doc["statistics"][0]["count"], 1);
    assert_eq!(doc["statistics"][0]["name"], "rotation-disabled");
    assert!(doc.get("diagnostics").is_none(), "{doc}");
    assert_eq!(doc["summary"]["warnings"], 2);
    // SARIF stays a SARIF log with every result; the option is noted on stderr.
    let sarif = kmslint(
        dir.path(),
        &[
            "check",
            "--select",
            "KMS104,KMS105",
            "--statistics",
            "--format",
            "sarif",
        ],
    );
    let log = sarif.json();
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 2);
    assert_eq!(sarif.stderr_lines("--statistics is ignored").len(), 1);
    let compact = kmslint(
        dir.path(),
        &[
            "check",
            "--select",
            "KMS104,KMS105",
            "--statistics",
            "--format",
            "compact",
        ],
    );
    assert!(
        compact.stdout.contains("     1  KMS104  rotation-disabled"),
        "{}",
        compact.stdout
    );
    assert!(!compact.stdout.contains("key.yaml:"), "{}", compact.stdout);
}

#[test]
fn unreadable_paths_are_in_every_report() {
    let dir = dir_with(&[("key.yaml", UNROTATED_KEY.as_bytes())]);
    let run = |format: &str| {
        kmslint(
            dir.path(),
            &[
                "check",
                "--select",
                "KMS104,KMS105",
                "missing.yaml",
                "key.yaml",
                "--format",
                format,
            ],
        )
    };
    let pretty = run("pretty");
    assert_eq!(pretty.status, 2);
    assert!(
        pretty
            .stdout
            .contains("Checked 1 file: 2 warnings; 1 path could not be read."),
        "{}",
        pretty.stdout
    );
    let json = run("json").json();
    assert_eq!(json["errors"][0]["path"], "missing.yaml", "{json}");
    assert!(
        json["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no such file")
    );
    assert_eq!(json["summary"]["unreadable"], 1);
    let sarif = run("sarif").json();
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false, "{invocation}");
    let note = &invocation["toolExecutionNotifications"][0];
    assert_eq!(note["level"], "error");
    assert!(
        note["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("missing.yaml: ")
    );
    let github = run("github").stdout;
    assert!(
        github
            .lines()
            .any(|l| l.starts_with("::error file=missing.yaml,title=kmslint::missing.yaml: ")),
        "{github}"
    );
    // A clean run says it succeeded.
    let ok = kmslint(
        dir.path(),
        &[
            "check",
            "--select",
            "KMS104,KMS105",
            "key.yaml",
            "--format",
            "sarif",
        ],
    )
    .json();
    assert_eq!(ok["runs"][0]["invocations"][0]["executionSuccessful"], true);
    assert_eq!(
        kmslint(
            dir.path(),
            &[
                "check",
                "--select",
                "KMS104,KMS105",
                "key.yaml",
                "--format",
                "json"
            ]
        )
        .json()["errors"],
        Value::Array(vec![])
    );
}

#[test]
fn colour_follows_the_environment_unless_the_flag_says() {
    let dir = dir_with(&[("key.yaml", UNROTATED_KEY.as_bytes())]);
    // The runner sets NO_COLOR=1 and stdout is a pipe: forcing wins over both.
    for var in ["FORCE_COLOR", "CLICOLOR_FORCE"] {
        let forced = Kmslint::new(dir.path(), &["check", "key.yaml"])
            .env(var, "1")
            .run();
        assert!(
            forced.stdout.contains("\u{1b}["),
            "{var}: {}",
            forced.stdout
        );
        let zero = Kmslint::new(dir.path(), &["check", "key.yaml"])
            .env(var, "0")
            .run();
        assert!(!zero.stdout.contains('\u{1b}'), "{var}=0: {}", zero.stdout);
        let never = Kmslint::new(dir.path(), &["check", "key.yaml", "--color", "never"])
            .env(var, "1")
            .run();
        assert!(!never.stdout.contains('\u{1b}'), "{var}: {}", never.stdout);
    }
    let plain = kmslint(dir.path(), &["check", "key.yaml"]);
    assert!(!plain.stdout.contains('\u{1b}'), "{}", plain.stdout);
}

#[test]
fn output_file_short_flags_and_defaults_in_help() {
    let dir = dir_with(&[("key.yaml", UNROTATED_KEY.as_bytes())]);
    std::fs::write(
        dir.path().join("report.json"),
        "old and longer than nothing".repeat(500),
    )
    .unwrap();
    let run = kmslint(
        dir.path(),
        &[
            "check",
            "--select",
            "KMS104,KMS105",
            "key.yaml",
            "--output-format",
            "json",
            "-o",
            "report.json",
            "-q",
            "-j",
            "1",
        ],
    );
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    let text = std::fs::read_to_string(dir.path().join("report.json")).unwrap();
    let report: Value =
        serde_json::from_str(&text).expect("the file is truncated, then one document");
    assert_eq!(codes_for(&report, "key.yaml"), ["KMS104", "KMS105"]);
    let bad = kmslint(
        dir.path(),
        &[
            "check",
            "--select",
            "KMS104,KMS105",
            "key.yaml",
            "--output-file",
            "no/such/dir/r.json",
        ],
    );
    assert_eq!(bad.status, 2);
    assert_eq!(bad.stderr_lines("--output-file").len(), 1, "{}", bad.stderr);
    let help = kmslint(
        dir.path(),
        &["check", "--select", "KMS104,KMS105", "--help"],
    )
    .stdout;
    for needle in [
        "[default: pretty]",
        "[default: auto]",
        "[default: warning",
        "--output-format",
        "-o, --output-file",
        "-q, --quiet",
        "-j, --jobs",
    ] {
        assert!(help.contains(needle), "{needle}: {help}");
    }
}

fn fingerprints(log: &Value) -> Vec<(String, String)> {
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                r["partialFingerprints"]["kmslint/v1"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect()
}

#[test]
fn rules_have_documentation_urls_and_sarif_names() {
    let dir = dir_with(&[("key.yaml", UNROTATED_KEY.as_bytes())]);
    let rules = kmslint(dir.path(), &["rules", "--format", "json"]).json();
    for rule in rules.as_array().unwrap() {
        let url = format!(
            "https://github.com/kmslint/kmslint/blob/main/rules/{}.md",
            rule["code"].as_str().unwrap()
        );
        assert_eq!(rule["url"], url.as_str());
        let doc = common::root().join(format!("rules/{}.md", rule["code"].as_str().unwrap()));
        assert!(doc.is_file(), "{}", doc.display());
    }
    let json = kmslint(dir.path(), &["check", "--format", "json"]).json();
    assert_eq!(
        json["diagnostics"][0]["url"],
        "https://github.com/kmslint/kmslint/blob/main/rules/KMS104.md"
    );
    let sarif = kmslint(dir.path(), &["check", "--format", "sarif"]).json();
    let descriptor = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "KMS204")
        .unwrap()
        .clone();
    assert_eq!(descriptor["name"], "PolicyLockout");
    assert_eq!(
        descriptor["helpUri"],
        "https://github.com/kmslint/kmslint/blob/main/rules/KMS204.md"
    );
    // Moving the key down by some lines keeps every fingerprint; changing the key does not.
    let moved = format!("# a comment\n\n\n{UNROTATED_KEY}");
    let moved_dir = dir_with(&[("key.yaml", moved.as_bytes())]);
    let moved_log = kmslint(moved_dir.path(), &["check", "--format", "sarif"]).json();
    assert_eq!(fingerprints(&sarif), fingerprints(&moved_log));
    assert_ne!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        moved_log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
    );
    let renamed = UNROTATED_KEY.replace("  Key:", "  Other:");
    let renamed_dir = dir_with(&[("key.yaml", renamed.as_bytes())]);
    let renamed_log = kmslint(renamed_dir.path(), &["check", "--format", "sarif"]).json();
    assert_ne!(fingerprints(&sarif), fingerprints(&renamed_log));
}

#[test]
fn json_output_has_the_tool_and_utf16_columns() {
    // The 😀 is one column and two UTF-16 code units before the value the finding is at.
    let template = "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties: {Description: \"😀\", EnableKeyRotation: \"yes\"}\n";
    let dir = dir_with(&[("key.yaml", template.as_bytes())]);
    let json = kmslint(dir.path(), &["check", "--format", "json"]).json();
    assert_eq!(json["version"], 1);
    assert_eq!(json["tool"]["name"], "kmslint");
    assert_eq!(json["tool"]["version"], env!("CARGO_PKG_VERSION"));
    let on_line_4: Vec<&Value> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["start"]["line"] == 4)
        .collect();
    assert!(!on_line_4.is_empty(), "{json}");
    for d in on_line_4 {
        let start = &d["start"];
        assert_eq!(
            start["utf16_column"].as_u64().unwrap(),
            start["column"].as_u64().unwrap() + 1,
            "{d}"
        );
    }
}

/// Validates `document` against the schema, listing every error.
fn schema_errors(document: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("schema/kmslint-output.schema.json"))
            .expect("the schema is in the repository"),
    )
    .expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema is valid");
    validator
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// The schema's errors for `document` with `field` removed from the object at `pointer`.
fn schema_errors_without(mut document: Value, pointer: &str, field: &str) -> Vec<String> {
    document
        .pointer_mut(pointer)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("an object at {pointer}"))
        .remove(field);
    schema_errors(&document)
}

#[test]
fn json_output_matches_its_schema() {
    let root = common::root();
    let mut targets = vec![("fixtures".to_owned(), root.clone())];
    if let Some(corpus) = common::corpus() {
        targets.push((corpus.display().to_string(), root.clone()));
    }
    for (target, dir) in &targets {
        // All rules, on purpose: every rule's findings (the fixtures) must match the schema.
        let run = kmslint(dir, &["check", target, "--format", "json", "--no-config"]);
        let document = run.json();
        assert!(
            !document["diagnostics"].as_array().unwrap().is_empty(),
            "{target}"
        );
        let errors = schema_errors(&document);
        assert!(errors.is_empty(), "{target}: {errors:#?}");
    }
    // The statistics document and one with an unreadable path too.
    let dir = dir_with(&[("key.yaml", UNROTATED_KEY.as_bytes())]);
    for args in [
        &[
            "check",
            "--select",
            "KMS104,KMS105",
            "--format",
            "json",
            "--statistics",
        ][..],
        &[
            "check",
            "--select",
            "KMS104,KMS105",
            "key.yaml",
            "missing.yaml",
            "--format",
            "json",
        ],
    ] {
        let document = kmslint(dir.path(), args).json();
        let errors = schema_errors(&document);
        assert!(errors.is_empty(), "{args:?}: {errors:#?}");
    }
    // With a baseline, the summary says what it absorbed.
    let written = kmslint(
        dir.path(),
        &[
            "check",
            "--select",
            "KMS104,KMS105",
            "--write-baseline",
            "baseline.json",
        ],
    );
    assert_eq!(written.status, 0, "{}", written.stderr);
    let document = kmslint(
        dir.path(),
        &[
            "check",
            "--select",
            "KMS104,KMS105",
            "--format",
            "json",
            "--baseline",
            "baseline.json",
        ],
    )
    .json();
    assert_eq!(
        document["summary"]["baseline"]["matched"], 2,
        "{document:#}"
    );
    let errors = schema_errors(&document);
    assert!(errors.is_empty(), "--baseline: {errors:#?}");
    assert_eq!(
        schema_errors_without(document, "/summary/baseline", "stale").len(),
        1
    );
    // And the schema rejects what it should.
    let document = kmslint(
        dir.path(),
        &["check", "--select", "KMS104,KMS105", "--format", "json"],
    )
    .json();
    assert_eq!(
        schema_errors_without(document, "/diagnostics/0/start", "utf16_column").len(),
        1
    );
}

/// The real CDK assemblies (docs/deployments.md): each finding carries its stack, the summary
/// counts stacks and Regions, and the schema says so (and rejects a stack without its
/// account).
#[test]
fn json_of_a_deployment_matches_its_schema() {
    let root = common::root();
    let run = kmslint(
        &root,
        &[
            "check",
            "tests/deployments/cdk/out",
            "--format",
            "json",
            "--no-config",
        ],
    );
    let document = run.json();
    let diagnostics = document["diagnostics"].as_array().unwrap();
    assert!(!diagnostics.is_empty(), "{document:#}");
    assert!(
        diagnostics.iter().all(|d| d["stack"].is_object()),
        "{document:#}"
    );
    assert!(
        document["summary"]["stacks"].as_u64() > Some(1),
        "{document:#}"
    );
    let errors = schema_errors(&document);
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(
        schema_errors_without(document, "/diagnostics/0/stack", "account").len(),
        1
    );
}

#[test]
fn json_with_fixes_matches_its_schema() {
    use kmslint_core::fix::{Applicability, Edit, Fix};
    use kmslint_core::render::{self, FileOutput};
    use kmslint_core::source::{LineIndex, Span};
    let text = UNROTATED_KEY;
    // KMS104 and KMS105, the unrotated key's two findings: another rule's could come first.
    let mut diagnostics =
        kmslint_core::lint_source("key.yaml", text, &common::only(&["KMS104", "KMS105"]));
    assert!(diagnostics.len() >= 2, "{diagnostics:?}");
    let lines = LineIndex::new(text);
    let span = diagnostics[0].span;
    let (start, end) = (span.start as usize, span.end as usize);
    // Only the first finding carries a fix here, whatever the rules offer.
    diagnostics.iter_mut().for_each(|d| d.fix = None);
    diagnostics[0].fix = Some(Fix {
        title: "Replace it".to_owned(),
        applicability: Applicability::Safe,
        edits: vec![Edit {
            span: Span::new(start, end),
            replacement: "x".to_owned(),
            start: lines.position(text, start),
            end: lines.position(text, end),
        }],
    });
    let summary = common::summary_of(&diagnostics, false);
    let output = FileOutput {
        path: "key.yaml",
        text,
        diagnostics: &diagnostics,
        previous: None,
    };
    let document: Value =
        serde_json::from_str(&render::json::render(&[output], &summary)).expect("JSON");
    assert_eq!(document["diagnostics"][0]["fix"]["applicability"], "safe");
    assert_eq!(document["diagnostics"][1]["fix"], Value::Null);
    assert_eq!(document["summary"]["fixable"], 1);
    let errors = schema_errors(&document);
    assert!(errors.is_empty(), "{errors:#?}");
    // The schema rejects an unknown applicability and an edit without its byte offset.
    let mut broken = document.clone();
    broken["diagnostics"][0]["fix"]["applicability"] = "maybe".into();
    assert!(!schema_errors(&broken).is_empty());
    assert!(
        !schema_errors_without(document, "/diagnostics/0/fix/edits/0/start", "offset").is_empty()
    );
}

#[test]
fn json_with_places_in_the_old_version_matches_its_schema() {
    use kmslint_core::render::{self, FileOutput, PreviousFile};
    let diagnostics = common::compared_findings();
    let output = FileOutput {
        path: "key.yaml",
        text: UNROTATED_KEY,
        diagnostics: &diagnostics,
        previous: Some(PreviousFile {
            name: common::OLD_NAME,
            text: common::OLD_KEY,
        }),
    };
    let summary = common::summary_of(&diagnostics, false);
    let document: Value =
        serde_json::from_str(&render::json::render(&[output], &summary)).expect("JSON");
    assert_eq!(
        document["diagnostics"][0]["related"][1]["path"],
        common::OLD_NAME
    );
    let errors = schema_errors(&document);
    assert!(errors.is_empty(), "{errors:#?}");
}
