//! `--format gitlab`: a GitLab Code Quality report, the JSON array that a job's
//! `artifacts: reports: codequality:` file holds and the merge request's widget reads.
//! <https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format>
//!
//! Each finding is an object with GitLab's required fields: `description`, `check_name`,
//! `fingerprint`, `severity` and `location` (`path`, `lines.begin`). Severities map as the
//! docs/output-formats.md ("gitlab") documents: error → `major`, warning → `minor`, info →
//! `info`. `critical` and `blocker` are left out: kmslint's scale has three steps, and GitLab
//! ranks `major` above every warning already.
//!
//! The fingerprint is the baseline's key (file, rule, resource, stable pointer; see
//! [`crate::baseline`]), hashed as SARIF's `kmslint/v2`: it stays when lines move or a
//! message is reworded, so the widget does not show an old finding as new. GitLab keeps one
//! finding per fingerprint; a second finding with the same key in the same file (a baseline
//! entry's count of 2) adds its ordinal to the key.
//!
//! Paths that could not be read have no place in the format (a finding needs a file and a
//! line): they are said on stderr, and the status is 2, as with every format.

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Severity};

use super::sarif::stable_fingerprint;

/// A file's findings, by the path the report names it with (relative to where kmslint runs,
/// as in every other format: GitLab wants paths relative to the repository's root, where a
/// CI job runs).
pub struct GitlabFile<'a> {
    pub path: &'a str,
    pub diagnostics: &'a [Diagnostic],
}

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
    end: u32,
}

/// GitLab's severity for a finding's.
pub(crate) fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

/// Writes the report (a JSON array, empty when nothing was found) to `out`.
pub fn write_report(out: &mut (impl Write + ?Sized), files: &[GitlabFile<'_>]) -> io::Result<()> {
    let mut issues = Vec::new();
    for file in files {
        // How many findings of each key came before in this file.
        let mut seen: HashMap<String, usize> = HashMap::new();
        for d in file.diagnostics {
            let key = stable_fingerprint(&super::sarif::uri(file.path), d);
            let nth = seen.entry(key.clone()).or_default();
            let fingerprint = if *nth == 0 {
                key
            } else {
                format!("{key}-{nth}")
            };
            *nth += 1;
            issues.push(Issue {
                description: match &d.help {
                    Some(help) => format!("{}: {} (help: {help})", d.code, d.message),
                    None => format!("{}: {}", d.code, d.message),
                },
                check_name: format!("{} {}", d.code, d.name),
                fingerprint,
                severity: severity(d.severity),
                location: Location {
                    path: file.path,
                    lines: Lines {
                        begin: d.start.line.max(1),
                        end: d.end.line.max(d.start.line).max(1),
                    },
                },
            });
        }
    }
    super::write_json(out, &issues)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Position;

    fn finding(code: &'static str, severity: Severity, line: u32, pointer: &str) -> Diagnostic {
        let at = |column| Position {
            line,
            column,
            ..Position::default()
        };
        Diagnostic {
            code,
            name: "some-rule",
            severity,
            message: "a <message> \"quoted\" ##[x]".to_owned(),
            span: crate::source::Span::default(),
            resource: Some("Key".to_owned()),
            pointer: pointer.to_owned(),
            stable_pointer: pointer.to_owned(),
            help: None,
            related: Vec::new(),
            fix: None,
            start: at(3),
            end: at(9),
        }
    }

    fn report(files: &[GitlabFile<'_>]) -> serde_json::Value {
        let mut out = Vec::new();
        write_report(&mut out, files).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("##["), "{text}");
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn has_gitlabs_required_fields_and_severities() {
        let diagnostics = [
            finding("KMS101", Severity::Error, 4, "/a"),
            finding("KMS201", Severity::Warning, 0, "/b"),
            finding("KMS610", Severity::Info, 7, "/c"),
        ];
        let value = report(&[GitlabFile {
            path: "stacks/key.yaml",
            diagnostics: &diagnostics,
        }]);
        let issues = value.as_array().unwrap();
        assert_eq!(issues.len(), 3);
        for issue in issues {
            let object = issue.as_object().unwrap();
            let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
            keys.sort_unstable();
            assert_eq!(
                keys,
                [
                    "check_name",
                    "description",
                    "fingerprint",
                    "location",
                    "severity"
                ]
            );
            assert_eq!(issue["location"]["path"], "stacks/key.yaml");
            assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        }
        let severities: Vec<&str> = issues
            .iter()
            .map(|i| i["severity"].as_str().unwrap())
            .collect();
        assert_eq!(severities, ["major", "minor", "info"]);
        assert_eq!(issues[0]["check_name"], "KMS101 some-rule");
        assert_eq!(
            issues[0]["description"],
            "KMS101: a <message> \"quoted\" ##[x]"
        );
        // Line 0 (a finding on the whole file) is line 1 for GitLab.
        assert_eq!(issues[1]["location"]["lines"]["begin"], 1);
    }

    #[test]
    fn fingerprints_are_the_baseline_key_and_unique() {
        let fingerprints = |line: u32, message: &str| {
            let mut a = finding("KMS101", Severity::Error, line, "/a");
            a.message = message.to_owned();
            let diagnostics = [a.clone(), a, finding("KMS101", Severity::Error, line, "/b")];
            let value = report(&[GitlabFile {
                path: "key.yaml",
                diagnostics: &diagnostics,
            }]);
            value
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["fingerprint"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        let first = fingerprints(4, "one wording");
        // Moved lines and reworded messages keep the fingerprint.
        assert_eq!(first, fingerprints(40, "another wording"));
        // Two findings with one key still get two fingerprints (GitLab keeps one of each).
        let unique: std::collections::BTreeSet<&String> = first.iter().collect();
        assert_eq!(unique.len(), 3, "{first:?}");
        assert_eq!(first[1], format!("{}-1", first[0]));
        // Another file is another finding.
        let diagnostics = [finding("KMS101", Severity::Error, 4, "/a")];
        let other = report(&[GitlabFile {
            path: "other.yaml",
            diagnostics: &diagnostics,
        }]);
        assert_ne!(other[0]["fingerprint"], first[0].as_str());
    }

    #[test]
    fn nothing_found_is_an_empty_array() {
        assert_eq!(report(&[]), serde_json::json!([]));
    }
}
