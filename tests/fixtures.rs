//! Every rule's fixtures: `fixtures/<CODE>/bad*` must produce exactly the findings their
//! markers announce, and their rendered output is snapshotted; `good*` must produce none.
//!
//! Markers: a YAML comment `# expect: KMS204` (several codes separated by commas) on the
//! line where a finding starts, or, where a comment cannot go (JSON, inside a block scalar),
//! a sidecar `<file>.expect` with lines `LINE CODE`. A first line `# args: --region …` (or a
//! sidecar `<file>.args`) gives the fixture command-line settings.
//!
//! Each fixture is linted with only its folder's rule, so a new rule does not disturb
//! other rules' fixtures. (`# args: --also KMS104` runs another rule too, for KMS006, whose
//! fixtures need findings to suppress; only the folder's rule's findings are compared.)

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use kmslint::rules::RULES;

fn fixture_dirs() -> Vec<(String, PathBuf)> {
    let mut dirs: Vec<(String, PathBuf)> = fs::read_dir(common::root().join("fixtures"))
        .expect("fixtures/ exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .filter(|(name, _)| name != "parse")
        .collect();
    dirs.sort();
    dirs
}

fn files(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("readable fixture dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with(prefix)
                && [".yaml", ".yml", ".json", ".template"]
                    .iter()
                    .any(|ext| name.ends_with(ext))
        })
        .collect();
    files.sort();
    files
}

/// `(line, code)` pairs the fixture announces.
fn expectations(path: &Path, text: &str) -> BTreeSet<(u32, String)> {
    let mut expected = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(at) = line.find("# expect:") {
            for code in line[at + "# expect:".len()..].split(',') {
                expected.insert((i as u32 + 1, code.trim().to_owned()));
            }
        }
    }
    let sidecar = PathBuf::from(format!("{}.expect", path.display()));
    if let Ok(lines) = fs::read_to_string(sidecar) {
        for line in lines.lines().filter(|l| !l.trim().is_empty()) {
            let (number, codes) = line
                .trim()
                .split_once(' ')
                .unwrap_or_else(|| panic!("{}: `{line}` is not `LINE CODE`", path.display()));
            let number: u32 = number.parse().expect("a line number");
            for code in codes.split(',') {
                expected.insert((number, code.trim().to_owned()));
            }
        }
    }
    expected
}

/// Lints a fixture with its folder's rule and those `--also` names. A bad fixture keeps only
/// the folder rule's findings; a good one must have none of any rule that ran, so KMS006's
/// good fixtures show that their suppressions work.
fn lint_fixture(path: &Path, text: &str, code: &str, bad: bool) -> (kmslint::FileReport, String) {
    let settings = common::settings(&common::fixture_args(path, text), Some(code));
    let (mut report, decoded) = common::lint_path(path, &settings);
    if bad {
        report.diagnostics.retain(|d| d.code == code);
    }
    (report, decoded)
}

#[test]
fn every_rule_has_failing_and_passing_fixtures() {
    let dirs = fixture_dirs();
    let mut missing = Vec::new();
    for rule in RULES {
        match dirs.iter().find(|(name, _)| name == rule.code) {
            None => missing.push(format!("fixtures/{}/ is missing", rule.code)),
            Some((_, dir)) => {
                if files(dir, "bad").is_empty() {
                    missing.push(format!("fixtures/{}/ has no bad* fixture", rule.code));
                }
                if files(dir, "good").is_empty() {
                    missing.push(format!("fixtures/{}/ has no good* fixture", rule.code));
                }
            }
        }
    }
    for (name, _) in &dirs {
        if !RULES.iter().any(|r| r.code == name) {
            missing.push(format!("fixtures/{name}/ is not a rule's folder"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn bad_fixtures_find_what_their_markers_say() {
    let mut failures = Vec::new();
    for (code, dir) in fixture_dirs() {
        for path in files(&dir, "bad") {
            let text = fs::read_to_string(&path).unwrap_or_default();
            let expected = expectations(&path, &text);
            let name = common::display_path(&path);
            if expected.is_empty() {
                failures.push(format!("{name}: no `# expect:` marker"));
            }
            for (line, marked) in &expected {
                if *marked != code {
                    failures.push(format!(
                        "{name}:{line}: marker `{marked}` in the {code} folder"
                    ));
                }
            }
            let (report, _) = lint_fixture(&path, &text, &code, true);
            let found: BTreeSet<(u32, String)> = report
                .diagnostics
                .iter()
                .map(|d| (d.start.line, d.code.to_owned()))
                .collect();
            if found != expected {
                failures.push(format!(
                    "{name}: findings on lines {:?}, markers on lines {:?}",
                    found.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
                    expected.iter().map(|(l, _)| *l).collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn bad_fixtures_render_as_snapshotted() {
    for (code, dir) in fixture_dirs() {
        for path in files(&dir, "bad") {
            let text = fs::read_to_string(&path).unwrap_or_default();
            let (report, decoded) = lint_fixture(&path, &text, &code, true);
            let file = path.file_name().unwrap_or_default().to_string_lossy();
            let output = common::rendered(&report.name, &decoded, &report.diagnostics);
            insta::with_settings!({
                prepend_module_to_snapshot => false,
                description => report.name.clone(),
                omit_expression => true,
            }, {
                insta::assert_snapshot!(format!("{code}__{file}"), output);
            });
        }
    }
}

#[test]
fn good_fixtures_are_clean() {
    let mut failures = Vec::new();
    for (code, dir) in fixture_dirs() {
        for path in files(&dir, "good") {
            let text = fs::read_to_string(&path).unwrap_or_default();
            let (report, _) = lint_fixture(&path, &text, &code, false);
            for d in &report.diagnostics {
                failures.push(format!(
                    "{}:{}:{}: {} {}",
                    report.name, d.start.line, d.start.column, d.code, d.message
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
