//! Shared by the integration tests: linting a fixture the way the command line does, and
//! reading the `# args:` line that gives a fixture its command-line settings.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use kmslint::config::{RuleSelection, Settings};
use kmslint::render::{self, FileOutput, Summary};
use kmslint::{Diagnostic, FileReport, lint_bytes, rules};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The real-world corpus, `../shared/corpus` (or the folder `KMSLINT_TEST_CORPUS` names, to
/// try what follows), or `None` with a note saying the test skips it.
///
/// Under CI (`CI` set, as CI services set it, to anything but `false` or `0`) the corpus is
/// always laid beside the clone, so its absence means a broken setup: the test fails instead
/// of passing without having checked anything.
pub fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("KMSLINT_TEST_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/corpus"));
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        !in_ci(),
        "{} is not here, and under CI the tests that read the corpus must not skip it",
        dir.display()
    );
    eprintln!("skipped: {} is not here", dir.display());
    None
}

/// Whether the tests run under CI: `CI` is set to anything but empty, `false` or `0`.
pub fn in_ci() -> bool {
    std::env::var("CI")
        .is_ok_and(|v| !matches!(v.trim().to_ascii_lowercase().as_str(), "" | "false" | "0"))
}

/// Settings from a fixture's `args` (`--region R --account A --deployer-arn ARN
/// --parameter K=V`), running only `only` when given, and also the rules `--also A,B` names
/// (KMS006 needs the rules whose findings its fixtures suppress).
pub fn settings(args: &str, only: Option<&str>) -> Settings {
    let mut settings = Settings::default();
    let mut also: Vec<String> = Vec::new();
    let mut words = args.split_whitespace();
    while let Some(flag) = words.next() {
        let value = words
            .next()
            .unwrap_or_else(|| panic!("`{flag}` needs a value"));
        match flag {
            "--region" => settings.region = Some(value.to_owned()),
            "--account" => settings.account = Some(value.to_owned()),
            "--deployer-arn" => settings.deployer_arn = Some(value.to_owned()),
            "--parameter" => {
                let (k, v) = value.split_once('=').expect("KEY=VALUE");
                settings.parameters.insert(k.to_owned(), v.to_owned());
            }
            "--also" => also.extend(value.split(',').map(str::to_owned)),
            other => panic!("unknown fixture argument `{other}`"),
        }
    }
    if let Some(code) = only {
        settings.rules = RuleSelection {
            disabled: rules::RULES
                .iter()
                .map(|r| r.code)
                .filter(|c| *c != code && !also.iter().any(|a| a == c))
                .collect(),
            severity: HashMap::new(),
        };
    }
    settings
}

/// A fixture's arguments: a first line `# args: …`, or a sidecar `<file>.args`.
pub fn fixture_args(path: &Path, text: &str) -> String {
    if let Some(args) = text.lines().next().and_then(|l| l.strip_prefix("# args:")) {
        return args.trim().to_owned();
    }
    let sidecar = PathBuf::from(format!("{}.args", path.display()));
    std::fs::read_to_string(sidecar)
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// The path as shown in output: relative to the project, with forward slashes.
pub fn display_path(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

pub fn lint_path(path: &Path, settings: &Settings) -> (FileReport, String) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    lint_bytes(&display_path(path), bytes, settings, true)
}

/// The pretty and JSON renderings of one file's findings, as the command line prints them.
pub fn rendered(name: &str, text: &str, diagnostics: &[Diagnostic]) -> String {
    let output = FileOutput {
        path: name,
        text,
        diagnostics,
    };
    let mut summary = Summary {
        files: 1,
        ..Summary::default()
    };
    summary.count(diagnostics);
    format!(
        "{}{}\n----- json -----\n{}",
        render::pretty::render_file(&output, false),
        render::pretty::summary_line(&summary),
        render::json::render(&[output], &summary)
    )
}
