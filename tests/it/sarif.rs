//! `--format sarif` (SPEC §2): the log's shape, checked here on the bundled fixtures, the
//! corpus and findings with fixes (`fixes[]`), and the corpus's log and one with fixes run
//! through Microsoft's SARIF validator.
//!
//! The validator is the npm package `@microsoft/sarif-multitool` (command `sarif-multitool`,
//! a self-contained .NET program wrapped by a small Node script), or the .NET global tool
//! `Sarif.Multitool` (command `sarif`). It is looked for on `PATH`, in the project's
//! `node_modules/.bin`, and in `$HOME/.local/sarif-multitool/node_modules/.bin`, where
//! `.ci/run` installs it:
//!
//! ```sh
//! npm install --prefix "$HOME/.local/sarif-multitool" @microsoft/sarif-multitool@5
//! ```
//!
//! Without it, the validation test says so and passes. The corpus test is skipped, with a
//! message, when `../shared/corpus` is absent.

use crate::common;

use std::collections::BTreeSet;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const INSTALL: &str =
    "npm install --prefix \"$HOME/.local/sarif-multitool\" @microsoft/sarif-multitool@5";

/// `kmslint check --format sarif <path>`, run from the project root; the log as text.
fn sarif_of(path: &str) -> String {
    let run = common::kmslint(&common::root(), &["check", "--format", "sarif", path]);
    let status = run.output().status.code();
    assert!(
        matches!(status, Some(0 | 1)),
        "kmslint check --format sarif {path} exited {status:?}\n{}",
        run.stderr
    );
    String::from_utf8(run.into_output().stdout).expect("SARIF output is UTF-8")
}

// --- the log's shape, without the validator -----------------------------------------------

fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

fn positive_at(value: &Value, pointer: &str) -> Option<u64> {
    value
        .pointer(pointer)
        .and_then(Value::as_u64)
        .filter(|n| *n >= 1)
}

/// A location's region: all four of startLine/startColumn/endLine/endColumn, 1-based, and an
/// end that does not come before the start.
fn check_location(location: &Value, at: &str, problems: &mut Vec<String>) {
    let uri = str_at(location, "/physicalLocation/artifactLocation/uri");
    match uri {
        None | Some("") => problems.push(format!("{at}: no artifactLocation.uri")),
        Some(uri) if uri.contains('\\') || uri.contains(' ') => {
            problems.push(format!("{at}: uri `{uri}` is not a URI reference"));
        }
        Some(_) => {}
    }
    let region = |field: &str| positive_at(location, &format!("/physicalLocation/region/{field}"));
    match (
        region("startLine"),
        region("startColumn"),
        region("endLine"),
        region("endColumn"),
    ) {
        (Some(sl), Some(sc), Some(el), Some(ec)) => {
            if (el, ec) <= (sl, sc) {
                problems.push(format!(
                    "{at}: region ends at {el}:{ec}, before its start {sl}:{sc}"
                ));
            }
        }
        _ => problems.push(format!(
            "{at}: region needs startLine, startColumn, endLine and endColumn, all >= 1: {}",
            location
                .pointer("/physicalLocation/region")
                .unwrap_or(&Value::Null)
        )),
    }
}

/// A fix (SARIF §3.55–3.57): a description, one artifact change for the result's own file,
/// replacements whose deleted regions have all four line/column fields (an insertion's end is
/// its start) and inserted text, and kmslint's applicability in the property bag.
fn check_fix(fix: &Value, uri: Option<&str>, at: &str, problems: &mut Vec<String>) {
    if str_at(fix, "/description/text").is_none_or(str::is_empty) {
        problems.push(format!("{at}: no description.text"));
    }
    let applicability = str_at(fix, "/properties/applicability");
    if !matches!(applicability, Some("safe" | "unsafe" | "display-only")) {
        problems.push(format!(
            "{at}: properties.applicability is {applicability:?}"
        ));
    }
    let changes = fix["artifactChanges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if changes.len() != 1 {
        problems.push(format!(
            "{at}: {} artifactChanges, expected one",
            changes.len()
        ));
    }
    for (k, change) in changes.iter().enumerate() {
        let at = format!("{at}.artifactChanges[{k}]");
        if str_at(change, "/artifactLocation/uri") != uri {
            problems.push(format!("{at}: not the result's uri {uri:?}"));
        }
        let replacements = change["replacements"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if replacements.is_empty() {
            problems.push(format!("{at}: no replacements"));
        }
        for (r, replacement) in replacements.iter().enumerate() {
            let at = format!("{at}.replacements[{r}]");
            let region = |field: &str| positive_at(replacement, &format!("/deletedRegion/{field}"));
            match (
                region("startLine"),
                region("startColumn"),
                region("endLine"),
                region("endColumn"),
            ) {
                (Some(sl), Some(sc), Some(el), Some(ec)) if (el, ec) >= (sl, sc) => {}
                _ => problems.push(format!("{at}: a bad deletedRegion: {replacement}")),
            }
            if str_at(replacement, "/insertedContent/text").is_none() {
                problems.push(format!("{at}: no insertedContent.text"));
            }
        }
    }
}

/// The run's rule descriptors: each with its id, name, descriptions, level, `helpUri` and
/// `help`; the full help exactly on the rules with a result. Their ids, in order.
fn check_rules(run: &Value, problems: &mut Vec<String>) -> Vec<String> {
    let rules = run
        .pointer("/tool/driver/rules")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let reported: BTreeSet<&str> = run["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| str_at(r, "/ruleId"))
        .collect();
    let mut rule_ids = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        let at = format!("rules[{i}]");
        let id = str_at(rule, "/id").unwrap_or_default();
        if !id.starts_with("KMS") {
            problems.push(format!("{at}: id `{id}` is not a rule code"));
        }
        for field in [
            "/name",
            "/shortDescription/text",
            "/defaultConfiguration/level",
            "/helpUri",
            "/help/text",
        ] {
            if str_at(rule, field).is_none_or(str::is_empty) {
                problems.push(format!("{at} ({id}): no {field}"));
            }
        }
        // The full help (text and Markdown) only for the rules with a result in the log
        // (docs/output-formats.md, "sarif"): the others' made a log for one file half a megabyte.
        let markdown = str_at(rule, "/help/markdown").is_some_and(|t| !t.is_empty());
        match (reported.contains(id), markdown) {
            (true, false) => problems.push(format!("{at} ({id}): reported, but no help.markdown")),
            (false, true) => problems.push(format!("{at} ({id}): not reported, but its full help")),
            _ => {}
        }
        rule_ids.push(id.to_owned());
    }
    rule_ids
}

/// Everything wrong with a log's shape; empty when it is as SPEC §2 describes. Also returns
/// the number of results.
fn shape_problems(log: &Value) -> (Vec<String>, usize) {
    let mut problems = Vec::new();
    if log["version"] != "2.1.0" {
        problems.push(format!("version is {}, not \"2.1.0\"", log["version"]));
    }
    let Some(runs) = log["runs"].as_array() else {
        problems.push("no `runs` array".to_owned());
        return (problems, 0);
    };
    if runs.len() != 1 {
        problems.push(format!("{} runs, expected one", runs.len()));
    }
    let Some(run) = runs.first() else {
        return (problems, 0);
    };
    if str_at(run, "/tool/driver/name") != Some("kmslint") {
        problems.push("tool.driver.name is not `kmslint`".to_owned());
    }
    let rule_ids = check_rules(run, &mut problems);
    let distinct: BTreeSet<&String> = rule_ids.iter().collect();
    if distinct.len() != rule_ids.len() {
        problems.push("tool.driver.rules has duplicate ids".to_owned());
    }
    let Some(results) = run["results"].as_array() else {
        problems.push("no `results` array".to_owned());
        return (problems, 0);
    };
    let mut missing_rules = BTreeSet::new();
    for (i, result) in results.iter().enumerate() {
        let at = format!("results[{i}]");
        let Some(rule_id) = str_at(result, "/ruleId") else {
            problems.push(format!("{at}: no ruleId"));
            continue;
        };
        let at = format!("{at} ({rule_id})");
        match rule_ids.iter().position(|id| id == rule_id) {
            None => {
                missing_rules.insert(rule_id.to_owned());
            }
            Some(index) => {
                if let Some(given) = result.get("ruleIndex")
                    && given.as_u64() != Some(index as u64)
                {
                    problems.push(format!(
                        "{at}: ruleIndex {given}, but the rule is at {index}"
                    ));
                }
            }
        }
        let level = str_at(result, "/level");
        if !matches!(level, Some("error" | "warning" | "note")) {
            problems.push(format!(
                "{at}: level {level:?} is not error, warning or note"
            ));
        }
        if str_at(result, "/message/text").is_none_or(str::is_empty) {
            problems.push(format!("{at}: no message.text"));
        }
        match result["locations"].as_array() {
            Some(locations) if !locations.is_empty() => {
                for (j, location) in locations.iter().enumerate() {
                    check_location(location, &format!("{at}.locations[{j}]"), &mut problems);
                }
            }
            _ => problems.push(format!("{at}: no locations")),
        }
        if let Some(related) = result["relatedLocations"].as_array() {
            for (j, location) in related.iter().enumerate() {
                check_location(
                    location,
                    &format!("{at}.relatedLocations[{j}]"),
                    &mut problems,
                );
            }
        }
        let uri = str_at(result, "/locations/0/physicalLocation/artifactLocation/uri");
        for (j, fix) in result["fixes"].as_array().into_iter().flatten().enumerate() {
            check_fix(fix, uri, &format!("{at}.fixes[{j}]"), &mut problems);
        }
    }
    for code in missing_rules {
        problems.push(format!(
            "results use {code}, which tool.driver.rules does not describe"
        ));
    }
    (problems, results.len())
}

fn assert_shape(what: &str, text: &str) {
    let log: Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("the SARIF output for {what} is not JSON: {e}"));
    let (problems, results) = shape_problems(&log);
    assert!(
        problems.is_empty(),
        "the SARIF log for {what} is malformed:\n  {}",
        problems.join("\n  ")
    );
    assert!(results > 0, "the SARIF log for {what} has findings");
}

#[test]
fn sarif_for_the_fixtures_is_well_formed() {
    assert_shape("fixtures/", &sarif_of("fixtures"));
}

#[test]
fn sarif_for_the_corpus_is_well_formed() {
    if common::corpus().is_none() {
        return;
    }
    assert_shape("../shared/corpus", &sarif_of("../shared/corpus"));
}

/// GitHub code scanning's limits on an uploaded SARIF file, from "SARIF support for code
/// scanning" (<https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning>,
/// "Validating your SARIF file"), as docs/output-formats.md lists them. Over any of these the upload is
/// rejected.
mod github {
    /// Gzip-compressed size, bytes.
    pub(super) const GZIP_BYTES: usize = 10_000_000;
    pub(super) const RUNS: usize = 20;
    pub(super) const RESULTS_PER_RUN: usize = 25_000;
    pub(super) const RULES_PER_RUN: usize = 25_000;
    pub(super) const LOCATIONS_PER_RESULT: usize = 1_000;
    pub(super) const TAGS_PER_RULE: usize = 20;
    /// Only this many of a rule's tags are shown.
    pub(super) const TAGS_SHOWN: usize = 10;
}

#[test]
fn the_fixtures_log_is_within_github_upload_limits() {
    let sarif = sarif_of("fixtures");
    // gzip does not make a JSON log larger, so the uncompressed size bounds the upload's.
    assert!(
        sarif.len() < github::GZIP_BYTES,
        "{} bytes uncompressed",
        sarif.len()
    );
    let log: Value = serde_json::from_str(&sarif).expect("JSON");
    let runs = log["runs"].as_array().expect("runs");
    assert!(runs.len() <= github::RUNS);
    let run = &runs[0];
    let results = run["results"].as_array().expect("results");
    // What kmslint itself controls: one run, every rule listed once, one location a result,
    // a rule's resource types as its tags, all of them shown. The number of results is the
    // user's (docs/output-formats.md says what GitHub does over 25,000); the fixtures are far below it.
    assert!(results.len() <= github::RESULTS_PER_RUN);
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert!(rules.len() <= github::RULES_PER_RUN);
    for result in results {
        let locations = result["locations"].as_array().map_or(0, Vec::len);
        assert!(
            (1..=github::LOCATIONS_PER_RESULT).contains(&locations),
            "{result}"
        );
    }
    for rule in rules {
        let tags = rule["properties"]["tags"].as_array().map_or(0, Vec::len);
        assert!(
            tags <= github::TAGS_SHOWN.min(github::TAGS_PER_RULE),
            "{rule}"
        );
    }
}

/// One file with findings of two rules: only those two rules carry their help; every other
/// rule is listed with its id, name, short description, `helpUri`, level and tags. The log is
/// under 100 KB, not the 550 KB it was when every rule carried its help.
#[test]
fn only_reported_rules_carry_their_help() {
    let sarif = sarif_of("fixtures/KMS104/bad-rotation-off.yaml");
    assert_shape("fixtures/KMS104/bad-rotation-off.yaml", &sarif);
    let log: Value = serde_json::from_str(&sarif).expect("JSON");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let full_help = |r: &&Value| r.pointer("/help/markdown").is_some();
    let with_help: Vec<&str> = rules
        .iter()
        .filter(full_help)
        .filter_map(|r| str_at(r, "/id"))
        .collect();
    assert_eq!(with_help, ["KMS104", "KMS105"]);
    let kms104 = &rules[run["results"][0]["ruleIndex"].as_u64().expect("ruleIndex") as usize];
    assert_eq!(kms104["id"], "KMS104");
    assert!(str_at(kms104, "/help/markdown").is_some_and(|m| m.len() > 1000));
    for rule in rules.iter().filter(|r| !full_help(r)) {
        for field in [
            "/name",
            "/shortDescription/text",
            "/fullDescription/text",
            "/helpUri",
            "/defaultConfiguration/level",
        ] {
            assert!(str_at(rule, field).is_some(), "{field} in {rule}");
        }
        assert!(rule.pointer("/properties/tags").is_some(), "{rule}");
        // One line for GitHub, which wants a `help` on every rule: the URL.
        let help = str_at(rule, "/help/text").expect("help.text");
        assert!(help.len() < 200, "{help}");
        assert!(
            help.ends_with(str_at(rule, "/helpUri").expect("helpUri")),
            "{help}"
        );
    }
    assert!(sarif.len() < 100_000, "{} bytes", sarif.len());
}

#[test]
fn the_shape_check_catches_mistakes() {
    let good = serde_json::json!({
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "kmslint", "rules": [{
                "id": "KMS204", "name": "policy-lockout",
                "shortDescription": {"text": "s"}, "defaultConfiguration": {"level": "error"},
                "helpUri": "https://example.com/KMS204", "help": {"text": "h", "markdown": "h"},
            }, {
                "id": "KMS104", "name": "key-rotation",
                "shortDescription": {"text": "s"}, "defaultConfiguration": {"level": "warning"},
                "helpUri": "https://example.com/KMS104", "help": {"text": "s"},
            }]}},
            "results": [{
                "ruleId": "KMS204", "ruleIndex": 0, "level": "error", "message": {"text": "m"},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": "a.yaml"},
                    "region": {"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 9},
                }}],
            }],
        }],
    });
    assert_eq!(shape_problems(&good), (Vec::new(), 1));
    let broken = |pointer: &str, value: Value| {
        let mut log = good.clone();
        *log.pointer_mut(pointer).expect(pointer) = value;
        shape_problems(&log).0
    };
    // An undescribed rule; and KMS204, no longer reported, has its full help.
    assert_eq!(broken("/runs/0/results/0/ruleId", "KMS999".into()).len(), 2);
    assert_eq!(broken("/runs/0/results/0/level", "info".into()).len(), 1);
    assert_eq!(broken("/runs/0/results/0/ruleIndex", 3.into()).len(), 1);
    let region = "/runs/0/results/0/locations/0/physicalLocation/region";
    assert_eq!(broken(&format!("{region}/startLine"), 0.into()).len(), 1);
    assert_eq!(broken(&format!("{region}/endColumn"), 5.into()).len(), 1);
    assert_eq!(broken(region, serde_json::json!({"startLine": 3})).len(), 1);
    assert_eq!(broken("/version", "2.0.0".into()).len(), 1);
    // Help where nothing was reported, or none where something was.
    assert_eq!(
        broken(
            "/runs/0/tool/driver/rules/1/help",
            serde_json::json!({"text": "h", "markdown": "h"})
        )
        .len(),
        1
    );
    assert_eq!(
        broken(
            "/runs/0/tool/driver/rules/0/help",
            serde_json::json!({"text": "h"})
        )
        .len(),
        1
    );
    assert_eq!(
        broken("/runs/0/tool/driver/rules/1/help", serde_json::json!({})).len(),
        1
    );
}

// --- Microsoft's validator -----------------------------------------------------------------

/// The SARIF Multitool, or `None` with the test skipped ([`common::skip`]: a failure under
/// CI, where `.ci/run` installs it, so that a missing validator cannot pass for a valid log).
fn validator_or_skip() -> Option<PathBuf> {
    let tool = validator();
    if tool.is_none() {
        common::skip(&format!(
            "the SARIF validator is not installed (looked for `sarif` and `sarif-multitool` on \
             PATH, in node_modules/.bin and in $HOME/.local/sarif-multitool/node_modules/.bin); \
             install it with\n    {INSTALL}"
        ));
    }
    tool
}

/// The SARIF Multitool, if it is installed where we look.
fn validator() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = env::var_os("PATH")
        .map(|path| env::split_paths(&path).collect())
        .unwrap_or_default();
    dirs.push(common::root().join("node_modules/.bin"));
    if let Some(home) = env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".local/sarif-multitool/node_modules/.bin"));
    }
    dirs.iter()
        .flat_map(|dir| ["sarif", "sarif-multitool"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file() && is_multitool(candidate))
}

/// Another `sarif` command (the Python `sarif-tools` has one) is not the validator.
fn is_multitool(command: &Path) -> bool {
    Command::new(command)
        .arg("--version")
        .output()
        .is_ok_and(|o| {
            // It prints its banner on standard error.
            [&o.stdout, &o.stderr]
                .iter()
                .any(|out| String::from_utf8_lossy(out).contains("SARIF Multitool"))
        })
}

/// One finding of the validator, as it writes them to its `--output` log.
#[derive(Debug)]
struct Finding {
    rule: String,
    level: String,
    message: String,
    at: String,
}

/// `validate <file> --rule-kind <kind> --output <log>` in `dir`, with file names only: the npm
/// wrapper hands its arguments to a shell. Returns what the validator found and its console
/// output, or `None` when this version does not know the rule kind. It exits 0 even when it
/// finds errors, so its log is what tells.
fn validate(tool: &Path, dir: &Path, file: &str, kind: &str) -> Option<(Vec<Finding>, String)> {
    let log_name = format!("{file}.{kind}-validation.sarif");
    let output = Command::new(tool)
        .args(["validate", file, "--rule-kind", kind, "--output", &log_name])
        .current_dir(dir)
        .output()
        .expect("the SARIF validator runs");
    let console = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if !output.status.success() && console.contains("'rule-kind' is defined with a bad format") {
        return None;
    }
    assert!(
        output.status.success(),
        "`{} validate {file} --rule-kind {kind}` exited {:?}:\n{console}",
        tool.display(),
        output.status.code()
    );
    let text = fs::read_to_string(dir.join(&log_name))
        .unwrap_or_else(|e| panic!("the validator wrote no log ({e}):\n{console}"));
    let log: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .unwrap_or_else(|e| panic!("the validator's log is not JSON ({e}):\n{console}"));
    let run = &log["runs"][0];
    let mut findings = Vec::new();
    for invocation in run["invocations"].as_array().into_iter().flatten() {
        if invocation["executionSuccessful"] == false {
            findings.push(Finding {
                rule: "invocation".to_owned(),
                level: "error".to_owned(),
                message: "the validator did not run successfully".to_owned(),
                at: String::new(),
            });
        }
        for key in [
            "toolExecutionNotifications",
            "toolConfigurationNotifications",
        ] {
            for note in invocation[key].as_array().into_iter().flatten() {
                findings.push(Finding {
                    rule: str_at(note, "/descriptor/id").unwrap_or(key).to_owned(),
                    level: str_at(note, "/level").unwrap_or("warning").to_owned(),
                    message: str_at(note, "/message/text").unwrap_or_default().to_owned(),
                    at: String::new(),
                });
            }
        }
    }
    let rules = run.pointer("/tool/driver/rules").and_then(Value::as_array);
    for result in run["results"].as_array().into_iter().flatten() {
        let rule = rules.and_then(|rules| rules.get(result["ruleIndex"].as_u64()? as usize));
        // A result without a level takes its rule's default, and that defaults to warning.
        let level = str_at(result, "/level")
            .or_else(|| rule.and_then(|r| str_at(r, "/defaultConfiguration/level")))
            .unwrap_or("warning");
        let message = match result
            .pointer("/message/arguments")
            .and_then(Value::as_array)
        {
            Some(arguments) => format!(
                "{} {}",
                str_at(result, "/message/id").unwrap_or_default(),
                Value::Array(arguments.clone())
            ),
            None => str_at(result, "/message/text")
                .unwrap_or_default()
                .to_owned(),
        };
        let region = result.pointer("/locations/0/physicalLocation/region");
        findings.push(Finding {
            rule: str_at(result, "/ruleId").unwrap_or("?").to_owned(),
            level: level.to_owned(),
            message,
            at: region.map_or(String::new(), |r| {
                format!("line {} col {}", r["startLine"], r["startColumn"])
            }),
        });
    }
    Some((findings, console))
}

fn errors(findings: &[Finding]) -> Vec<&Finding> {
    findings.iter().filter(|f| f.level == "error").collect()
}

/// Asserts that the validator finds no error in the log `file` of `dir`, by the SARIF rules
/// and then by GitHub Advanced Security's (each when this sarif-multitool has them); `what`
/// names the log in the failure.
fn assert_validator_accepts(tool: &Path, dir: &Path, file: &str, what: &str) {
    for kind in ["Sarif", "Ghas"] {
        let Some((found, console)) = validate(tool, dir, file, kind) else {
            continue;
        };
        for f in &found {
            eprintln!(
                "validator ({kind}): {} {} at {}: {}",
                f.level, f.rule, f.at, f.message
            );
        }
        assert!(
            errors(&found).is_empty(),
            "the SARIF validator ({kind}) reports errors in {what}:\n{console}"
        );
    }
}

#[test]
fn the_sarif_validator_accepts_the_corpus_log() {
    if common::corpus().is_none() {
        return;
    }
    let Some(tool) = validator_or_skip() else {
        return;
    };
    let sarif = sarif_of("../shared/corpus");
    let work = tempfile::tempdir().expect("temp dir");
    fs::write(work.path().join("kmslint.sarif"), &sarif).expect("write the log");

    // The validator must see a broken log as broken, or its silence below means nothing.
    let mut broken: Value = serde_json::from_str(&sarif).expect("SARIF is JSON");
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    fs::write(work.path().join("broken.sarif"), broken.to_string()).expect("write");
    let (found, console) =
        validate(&tool, work.path(), "broken.sarif", "Sarif").expect("it knows `Sarif` rules");
    assert!(
        !errors(&found).is_empty(),
        "the validator found nothing wrong with startLine 0:\n{console}"
    );

    // The SARIF rules and schema, then GitHub Advanced Security's (code scanning) rules.
    let mut failures = Vec::new();
    for kind in ["Sarif", "Ghas"] {
        let Some((found, console)) = validate(&tool, work.path(), "kmslint.sarif", kind) else {
            eprintln!("this sarif-multitool has no `{kind}` rules; not run");
            continue;
        };
        for f in &found {
            eprintln!(
                "validator ({kind}): {} {} at {}: {}",
                f.level, f.rule, f.at, f.message
            );
        }
        if !errors(&found).is_empty() {
            failures.push(format!("--rule-kind {kind}:\n{console}"));
        }
    }
    assert!(
        failures.is_empty(),
        "the SARIF validator reports errors in kmslint's log for ../shared/corpus:\n{}",
        failures.join("\n")
    );
}

// --- fixes ----------------------------------------------------------------------------------

const FIX_PATH: &str = "stacks/key one.yaml";

/// A template with one unrotated key, and its findings, the first with an unsafe fix of two
/// edits (a replacement of its own text, and an insertion at the end of the file) and the
/// second with a display-only fix (an insertion).
fn findings_with_fixes() -> (&'static str, Vec<kmslint_core::Diagnostic>) {
    use kmslint_core::fix::{Applicability, Edit, Fix};
    use kmslint_core::source::{LineIndex, Span};
    let text = common::UNROTATED_KEY;
    // KMS104 and KMS105, the unrotated key's two findings: another rule's could come first.
    let diagnostics =
        kmslint_core::lint_source(FIX_PATH, text, &common::only(&["KMS104", "KMS105"]));
    assert!(diagnostics.len() >= 2, "{diagnostics:?}");
    let lines = LineIndex::new(text);
    let edit = |start: usize, end: usize, content: &str| Edit {
        span: Span::new(start, end),
        replacement: content.to_owned(),
        start: lines.position(text, start),
        end: lines.position(text, end),
    };
    let mut diagnostics = diagnostics;
    let first = diagnostics[0].span;
    diagnostics[0].fix = Some(Fix {
        title: "Rewrite it".to_owned(),
        applicability: Applicability::Unsafe,
        edits: vec![
            edit(first.start as usize, first.end as usize, "new"),
            edit(text.len(), text.len(), "# end\n"),
        ],
    });
    let second = diagnostics[1].span;
    diagnostics[1].fix = Some(Fix {
        title: "Think about it".to_owned(),
        applicability: Applicability::DisplayOnly,
        edits: vec![edit(second.start as usize, second.start as usize, "x")],
    });
    (text, diagnostics)
}

fn sarif_with_fixes() -> String {
    let (text, diagnostics) = findings_with_fixes();
    let output = kmslint_core::render::FileOutput {
        path: FIX_PATH,
        text,
        diagnostics: &diagnostics,
        previous: None,
    };
    let rules: Vec<&kmslint_core::rules::RuleEntry> = kmslint_core::rules::RULES.iter().collect();
    kmslint_core::render::sarif::render(std::slice::from_ref(&output), &rules)
}

#[test]
fn fixes_are_sarif_fixes() {
    let (text, diagnostics) = findings_with_fixes();
    let sarif = sarif_with_fixes();
    assert_shape("findings with fixes", &sarif);
    let log: Value = serde_json::from_str(&sarif).expect("JSON");
    let results = log["runs"][0]["results"].as_array().expect("results");
    let uri = "stacks/key%20one.yaml";
    let d = &diagnostics[0];
    let (start, end) = (
        d.fix.as_ref().unwrap().edits[0].start,
        d.fix.as_ref().unwrap().edits[0].end,
    );
    let last = kmslint_core::source::LineIndex::new(text).position(text, text.len());
    assert_eq!(
        results[0]["fixes"],
        serde_json::json!([{
            "description": {"text": "Rewrite it"},
            "artifactChanges": [{
                "artifactLocation": {"uri": uri},
                "replacements": [
                    {
                        "deletedRegion": {
                            "startLine": start.line, "startColumn": start.column,
                            "endLine": end.line, "endColumn": end.column,
                        },
                        "insertedContent": {"text": "new"},
                    },
                    {
                        // An insertion: an empty region.
                        "deletedRegion": {
                            "startLine": last.line, "startColumn": last.column,
                            "endLine": last.line, "endColumn": last.column,
                        },
                        "insertedContent": {"text": "# end\n"},
                    },
                ],
            }],
            "properties": {"applicability": "unsafe"},
        }])
    );
    // Display-only fixes are there too, for editors, with what they are.
    assert_eq!(
        results[1]["fixes"][0]["properties"]["applicability"],
        "display-only"
    );
    assert_eq!(
        results[1]["fixes"][0]["description"]["text"],
        "Think about it"
    );
    // The same column convention as the results' regions.
    assert_eq!(log["runs"][0]["columnKind"], "unicodeCodePoints");
    for result in &results[2..] {
        assert!(result.get("fixes").is_none(), "{result}");
    }
    // And the shape check sees a broken fix.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["fixes"][0]["artifactChanges"][0]["artifactLocation"]["uri"] =
        "other.yaml".into();
    broken["runs"][0]["results"][1]["fixes"][0]["properties"]["applicability"] = "maybe".into();
    assert_eq!(shape_problems(&broken).0.len(), 2);
}

#[test]
fn the_sarif_validator_accepts_fixes() {
    let Some(tool) = validator_or_skip() else {
        return;
    };
    let work = tempfile::tempdir().expect("temp dir");
    fs::write(work.path().join("fixes.sarif"), sarif_with_fixes()).expect("write the log");
    assert_validator_accepts(&tool, work.path(), "fixes.sarif", "a log with fixes");
}

// --- related places in the old version (change rules, KMS5xx) -----------------------------

/// A log whose first result has related places in the file, in the old version it was
/// compared with, and in an old version whose text is not at hand.
fn sarif_with_old_places() -> String {
    let diagnostics = common::compared_findings();
    let output = kmslint_core::render::FileOutput {
        path: "key.yaml",
        text: common::UNROTATED_KEY,
        diagnostics: &diagnostics,
        previous: Some(kmslint_core::render::PreviousFile {
            name: common::OLD_NAME,
            text: common::OLD_KEY,
        }),
    };
    let rules: Vec<&kmslint_core::rules::RuleEntry> = kmslint_core::rules::RULES.iter().collect();
    kmslint_core::render::sarif::render(std::slice::from_ref(&output), &rules)
}

#[test]
fn old_places_are_related_locations_of_the_old_file() {
    let sarif = sarif_with_old_places();
    assert_shape("findings with places in the old version", &sarif);
    let log: Value = serde_json::from_str(&sarif).expect("JSON");
    let related = log["runs"][0]["results"][0]["relatedLocations"]
        .as_array()
        .expect("relatedLocations");
    let uris: Vec<&str> = related
        .iter()
        .map(|l| str_at(l, "/physicalLocation/artifactLocation/uri").unwrap_or_default())
        .collect();
    assert_eq!(
        uris,
        ["key.yaml", "old/key.yaml", "old/key.yaml", "other.yaml"]
    );
    let ids: Vec<u64> = related.iter().filter_map(|l| l["id"].as_u64()).collect();
    assert_eq!(ids, [1, 2, 3, 4]);
}

#[test]
fn the_sarif_validator_accepts_old_places() {
    let Some(tool) = validator_or_skip() else {
        return;
    };
    let work = tempfile::tempdir().expect("temp dir");
    fs::write(work.path().join("old.sarif"), sarif_with_old_places()).expect("write the log");
    assert_validator_accepts(&tool, work.path(), "old.sarif", "a log with old places");
}

#[test]
fn the_sarif_validator_accepts_a_log_filtered_by_a_baseline() {
    let Some(tool) = validator_or_skip() else {
        return;
    };
    // The unrotated key recorded, then a key policy with an unknown action added: one
    // result, `baselineState: "new"`.
    let work = common::dir_with(&[("key.yaml", common::UNROTATED_KEY.as_bytes())]);
    let written = common::kmslint(work.path(), &["check", "--write-baseline", "base.json"]);
    assert_eq!(written.status, 0, "{}", written.stderr);
    let changed = common::UNROTATED_KEY.replace("'kms:*'", "['kms:*', 'kms:Encrypts']");
    fs::write(work.path().join("key.yaml"), changed).expect("write");
    let run = common::kmslint(
        work.path(),
        &[
            "check",
            "key.yaml",
            "--baseline",
            "base.json",
            "--format",
            "sarif",
        ],
    );
    let log = run.json();
    assert_eq!(
        log["runs"][0]["results"][0]["baselineState"], "new",
        "{log:#}"
    );
    assert_shape("a log filtered by a baseline", &run.stdout);
    fs::write(work.path().join("baseline.sarif"), &run.stdout).expect("write the log");
    assert_validator_accepts(
        &tool,
        work.path(),
        "baseline.sarif",
        "a log filtered by a baseline",
    );
}
