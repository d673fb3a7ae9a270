//! `--format gitlab`: a GitLab Code Quality report with GitLab's required fields, a fingerprint
//! that stays when lines move, `--output-file`, `--quiet` and `--statistics` as the other
//! machine formats take them. <https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format>

use crate::common;

use common::{UNROTATED_KEY, dir_with, kmslint};

const ARGS: &[&str] = &["check", "--select", "KMS104,KMS105", "--format", "gitlab"];

fn args(extra: &[&'static str]) -> Vec<&'static str> {
    ARGS.iter().chain(extra).copied().collect()
}

#[test]
fn report_has_gitlabs_shape() {
    let dir = dir_with(&[("stacks/key.yaml", UNROTATED_KEY.as_bytes())]);
    let run = kmslint(dir.path(), &args(&[]));
    assert_eq!(run.status, 1, "{}", run.stderr);
    // Not the "did you mean github" of an unknown value.
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    insta::assert_snapshot!("gitlab_report", run.stdout);
    let issues = run.json();
    let issues = issues.as_array().unwrap();
    assert_eq!(issues.len(), 2);
    let severities = ["info", "minor", "major", "critical", "blocker"];
    for issue in issues {
        for field in ["description", "check_name", "fingerprint"] {
            assert!(!issue[field].as_str().unwrap().is_empty(), "{issue}");
        }
        assert!(severities.contains(&issue["severity"].as_str().unwrap()));
        assert_eq!(issue["location"]["path"], "stacks/key.yaml");
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
    }
    assert_ne!(issues[0]["fingerprint"], issues[1]["fingerprint"]);
}

#[test]
fn fingerprints_stay_when_lines_move() {
    let fingerprints = |text: &str| {
        let dir = dir_with(&[("key.yaml", text.as_bytes())]);
        let issues = kmslint(dir.path(), &args(&[])).json();
        issues
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["fingerprint"].as_str().unwrap().to_owned(),
                    i["location"]["lines"]["begin"].as_u64().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let before = fingerprints(UNROTATED_KEY);
    let after = fingerprints(&format!("# a comment\n# and another\n{UNROTATED_KEY}"));
    assert_eq!(before.len(), 2);
    for ((print, line), (moved_print, moved_line)) in before.iter().zip(&after) {
        assert_eq!(print, moved_print);
        assert_eq!(line + 2, *moved_line);
    }
}

#[test]
fn output_file_quiet_and_statistics() {
    let dir = dir_with(&[("key.yaml", UNROTATED_KEY.as_bytes())]);
    let plain = kmslint(dir.path(), &args(&[])).stdout;
    let to_file = kmslint(dir.path(), &args(&["--output-file", "gl.json", "--quiet"]));
    assert_eq!(to_file.status, 1);
    assert!(to_file.stdout.is_empty(), "{}", to_file.stdout);
    assert!(to_file.stderr.is_empty(), "{}", to_file.stderr);
    let written = std::fs::read_to_string(dir.path().join("gl.json")).unwrap();
    assert_eq!(written, plain);
    // The report keeps its shape; the option is noted, as with SARIF.
    let stats = kmslint(dir.path(), &args(&["--statistics"]));
    assert_eq!(stats.stdout, plain);
    assert_eq!(
        stats
            .stderr_lines("--statistics is ignored with --format gitlab")
            .len(),
        1
    );
    // Nothing found: an empty array, which GitLab reads as no findings.
    let clean = kmslint(
        dir.path(),
        &["check", "--select", "KMS201", "--format", "gitlab"],
    );
    assert_eq!(clean.status, 0, "{}", clean.stderr);
    assert_eq!(clean.json(), serde_json::json!([]));
}
