//! `--format junit`: JUnit XML as GitLab and Jenkins read it (a testcase per file linted, a
//! failure per finding, an error per path that could not be read), well-formed whatever the
//! input holds, with `--output-file`, `--quiet` and `--statistics` as the other machine
//! formats take them.

use crate::common;

use common::{CLEAN_KEY, UNROTATED_KEY, dir_with, kmslint};

const ARGS: &[&str] = &["check", "--select", "KMS104,KMS105", "--format", "junit"];

fn args(extra: &[&'static str]) -> Vec<&'static str> {
    ARGS.iter().chain(extra).copied().collect()
}

/// The elements of `xml`, in order, after checking it is well-formed as far as kmslint's
/// output goes: one prolog, tags that nest and close, attributes quoted, no `<` or control
/// character in text or values, and `&` only in the five predefined entities.
fn elements(xml: &str) -> Vec<String> {
    let body = xml
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .expect("XML declaration");
    assert!(
        !body
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')),
        "control character: {body}"
    );
    for (i, _) in body.match_indices('&') {
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                .iter()
                .any(|e| body[i..].starts_with(e)),
            "bare & at {i}: {body}"
        );
    }
    let mut open: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find('<') {
        assert!(!rest[..start].contains('>'), "stray > in text: {rest}");
        let end = rest[start..].find('>').expect("unclosed tag") + start;
        let tag = &rest[start + 1..end];
        assert!(!tag.contains('<'), "< inside a tag: {tag}");
        assert_eq!(tag.matches('"').count() % 2, 0, "unbalanced quotes: {tag}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop().as_deref(), Some(name), "mismatched </{name}>");
        } else {
            let name = tag.split([' ', '/']).next().unwrap().to_owned();
            seen.push(name.clone());
            if !tag.ends_with('/') {
                open.push(name);
            }
        }
        rest = &rest[end + 1..];
    }
    assert!(open.is_empty(), "unclosed: {open:?}");
    assert_eq!(rest.trim(), "");
    seen
}

#[test]
fn a_testcase_per_file_and_a_failure_per_finding() {
    let dir = dir_with(&[
        ("stacks/key.yaml", UNROTATED_KEY.as_bytes()),
        ("stacks/clean.yaml", CLEAN_KEY.as_bytes()),
        ("stacks/notes.yaml", b"just: notes\n"),
    ]);
    let run = kmslint(dir.path(), &args(&["stacks", "missing.yaml"]));
    assert_eq!(run.status, 2, "{}", run.stderr);
    insta::assert_snapshot!("junit_report", run.stdout);
    let seen = elements(&run.stdout);
    assert_eq!(
        seen.iter().filter(|e| *e == "testcase").count(),
        3,
        "{seen:?}"
    );
    assert_eq!(seen.iter().filter(|e| *e == "failure").count(), 2);
    assert_eq!(seen.iter().filter(|e| *e == "error").count(), 1);
    // The skipped file is left out.
    assert!(!run.stdout.contains("notes.yaml"), "{}", run.stdout);
}

#[test]
fn hostile_file_names_stay_well_formed() {
    let name = "a\"b'c&d<e>]]>\u{1b}.yaml";
    let dir = dir_with(&[(name, UNROTATED_KEY.as_bytes())]);
    let run = kmslint(dir.path(), &args(&[]));
    assert_eq!(run.status, 1, "{}", run.stderr);
    let seen = elements(&run.stdout);
    assert_eq!(
        seen,
        ["testsuites", "testsuite", "testcase", "failure", "failure"]
    );
    assert!(
        run.stdout
            .contains("name=\"./a&quot;b&apos;c&amp;d&lt;e&gt;]]&gt;\\u{1b}.yaml\"")
            || run
                .stdout
                .contains("name=\"a&quot;b&apos;c&amp;d&lt;e&gt;]]&gt;\\u{1b}.yaml\""),
        "{}",
        run.stdout
    );
}

#[test]
fn output_file_quiet_and_statistics() {
    let dir = dir_with(&[("key.yaml", UNROTATED_KEY.as_bytes())]);
    let plain = kmslint(dir.path(), &args(&[])).stdout;
    let to_file = kmslint(
        dir.path(),
        &args(&["--output-file", "junit.xml", "--quiet"]),
    );
    assert_eq!(to_file.status, 1);
    assert!(to_file.stdout.is_empty(), "{}", to_file.stdout);
    assert!(to_file.stderr.is_empty(), "{}", to_file.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("junit.xml")).unwrap(),
        plain
    );
    let stats = kmslint(dir.path(), &args(&["--statistics"]));
    assert_eq!(stats.stdout, plain);
    assert_eq!(
        stats
            .stderr_lines("--statistics is ignored with --format junit")
            .len(),
        1
    );
}
