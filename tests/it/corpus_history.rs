//! The history corpus in `tests/corpus-history`: real old/new pairs of templates from public
//! repositories (see its README.md). Each pair's new file is linted against its old file and
//! the change findings (KMS5xx) must be exactly those of `expected.tsv` (`KMSLINT_BLESS=1`
//! rewrites it, as for the fixtures' `.fixed` files); every pair must have been compared.
//! `REVIEW.md` beside them says, finding by finding, whether each is right.
//!
//! And a file compared with itself has no change: every file of `../shared/corpus` (skipped,
//! with a message, when absent, except under CI: see `common::corpus`), of
//! `tests/corpus-consumers` and of the history pairs gives no KMS5xx finding against itself.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};

use kmslint::discover;
use kmslint_core::rules::is_change;
use kmslint_core::{Comparison, Previous, Settings};

const HEADER: &str = "pair_dir\tline\tcolumn\tcode\tmessage";

fn dir() -> PathBuf {
    common::root().join("tests/corpus-history")
}

/// The `pair_dir` column of MANIFEST.tsv.
fn pairs() -> Vec<String> {
    let text = fs::read_to_string(dir().join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    assert!(header.starts_with("pair_dir\trepo\t"), "{header}");
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('\t').next().unwrap_or_default().to_owned())
        .collect()
}

/// The one file of a pair's folder named `stem.*`.
fn version(pair: &Path, stem: &str) -> PathBuf {
    let found: Vec<PathBuf> = fs::read_dir(pair)
        .unwrap_or_else(|e| panic!("{}: {e}", pair.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_stem()
                .is_some_and(|s| s.to_string_lossy() == stem && p.extension().is_some())
        })
        .collect();
    assert_eq!(found.len(), 1, "{}: one {stem}.* file", pair.display());
    found.into_iter().next().unwrap_or_default()
}

fn text(path: &Path) -> String {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let decoded = kmslint_core::source::read::decode(bytes);
    assert!(
        decoded.problem.is_none(),
        "{}: does not decode",
        path.display()
    );
    decoded.text
}

/// A message on one line of a TSV: tabs and line breaks written out.
fn cell(message: &str) -> String {
    message
        .replace('\\', "\\\\")
        .replace('\t', "\\t")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

/// The pair folders on disk: `<owner>__<repo>/<path>/<old12>..<new12>`.
fn pair_folders() -> Vec<String> {
    let mut found = Vec::new();
    let children = |dir: &Path| -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        paths.sort();
        paths
    };
    for repo in children(&dir()) {
        for file in children(&repo) {
            for pair in children(&file) {
                let relative = pair.strip_prefix(dir()).expect("inside");
                found.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found
}

#[test]
fn the_manifest_lists_exactly_the_pairs_present() {
    let mut listed = pairs();
    listed.sort();
    assert_eq!(
        listed,
        pair_folders(),
        "MANIFEST.tsv and the pair folders differ"
    );
}

#[test]
fn every_pair_is_compared_and_the_change_findings_are_the_expected_ones() {
    // All rules, on purpose: expected.tsv holds every change rule's findings on the pairs.
    let settings = Settings::default();
    let pairs = pairs();
    assert!(pairs.len() >= 46, "{} pairs", pairs.len());
    let mut rows = Vec::new();
    let mut not_compared = Vec::new();
    for pair in &pairs {
        let folder = dir().join(pair);
        let (old, new) = (version(&folder, "old"), version(&folder, "new"));
        let old_text = text(&old);
        let old_name = common::display_path(&old);
        let report = kmslint_core::lint_against(
            &common::display_path(&new),
            &text(&new),
            &settings,
            &Previous::Text {
                name: &old_name,
                text: &old_text,
            },
        );
        if report.comparison != Comparison::Compared {
            not_compared.push(format!("{pair}: {:?}", report.comparison));
        }
        for d in report.diagnostics.iter().filter(|d| is_change(d.code)) {
            rows.push((
                pair.clone(),
                d.start.line,
                d.start.column,
                d.code,
                cell(&d.message),
            ));
        }
    }
    assert!(
        not_compared.is_empty(),
        "pairs not compared:\n{}",
        not_compared.join("\n")
    );
    rows.sort();
    let mut actual = format!("{HEADER}\n");
    for (pair, line, column, code, message) in &rows {
        actual.push_str(&format!("{pair}\t{line}\t{column}\t{code}\t{message}\n"));
    }
    common::assert_reviewed(
        &dir().join("expected.tsv"),
        &actual,
        "the change findings",
        "REVIEW.md",
    );
}

/// The change findings among `diagnostics`, as `{prefix}line:column: CODE message`.
fn change_lines(diagnostics: &[kmslint_core::Diagnostic], prefix: &str) -> Vec<String> {
    diagnostics
        .iter()
        .filter(|d| is_change(d.code))
        .map(|d| {
            format!(
                "{prefix}{}:{}: {} {}",
                d.start.line, d.start.column, d.code, d.message
            )
        })
        .collect()
}

/// The change findings of `path` compared with itself, as `file:line:column: CODE message`.
fn changes_against_itself(path: &Path, name: &str, settings: &Settings) -> Vec<String> {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let decoded = kmslint_core::source::read::decode(bytes.clone());
    let (report, _) = kmslint_core::lint_bytes(
        name,
        bytes,
        settings,
        &Previous::Text {
            name,
            text: &decoded.text,
        },
    );
    change_lines(&report.diagnostics, &format!("{name}:"))
}

fn walk(dir: &Path) -> Vec<(PathBuf, String)> {
    let found = discover::discover(&[dir.to_path_buf()], &globset::GlobSet::empty());
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    found.inputs.into_iter().map(|i| (i.path, i.name)).collect()
}

#[test]
fn a_file_compared_with_itself_has_no_change() {
    // All rules, on purpose: no change rule may see a change in a file compared with itself.
    let settings = Settings::default();
    let mut files = walk(&dir().join("../corpus-consumers"));
    assert!(files.len() >= 30, "the consumer corpus is walked");
    for pair in pairs() {
        let folder = dir().join(&pair);
        for stem in ["old", "new"] {
            let path = version(&folder, stem);
            let name = common::display_path(&path);
            files.push((path, name));
        }
    }
    if let Some(corpus) = common::corpus() {
        let shared = walk(&corpus);
        assert!(shared.len() > 150, "the whole corpus is walked");
        files.extend(shared);
    }
    let findings: Vec<String> = files
        .iter()
        .flat_map(|(path, name)| changes_against_itself(path, name, &settings))
        .collect();
    assert!(
        findings.is_empty(),
        "files compared with themselves have changes:\n{}",
        findings.join("\n")
    );
}

// --- found while reviewing the pairs (REVIEW.md) ------------------------------------------

/// The change findings of `new` against `old`, with `parameters` given as on the command line.
fn changes(old: &str, new: &str, parameters: &[(&str, &str)]) -> Vec<String> {
    let mut settings = Settings::default();
    for (k, v) in parameters {
        std::sync::Arc::make_mut(&mut settings.parameters).insert((*k).to_owned(), (*v).to_owned());
    }
    let report = kmslint_core::lint_against(
        "new.yaml",
        new,
        &settings,
        &Previous::Text {
            name: "old.yaml",
            text: old,
        },
    );
    assert_eq!(report.comparison, Comparison::Compared);
    change_lines(&report.diagnostics, "")
}

/// A database encrypted under the template's key only when `C` is true, in both versions.
const CONDITIONAL_KMS_KEY_ID: &str = "Parameters:
  Encrypt: {Type: String, AllowedValues: ['true', 'false']}
Conditions:
  C: !Equals [!Ref Encrypt, 'true']
Resources:
  Key:
    Type: AWS::KMS::Key
    Condition: C
  DB:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: mysql
      KmsKeyId: !If [C, !Ref Key, !Ref AWS::NoValue]
";

/// `!Ref Key` written as `!Sub '${Key}'` is the same value, and the `AWS::NoValue` branch is
/// the same branch: nothing changes under either value of `C`. (widdix state/rds-aurora.yaml
/// 28bcb9c9fe92..84805c0a87bb shows it on a real change: the finding says "when
/// `HasEncryption` is true" where the change happens only when HasEncryption is true *and*
/// the new condition is false; fixed since.)
#[test]
fn a_no_value_branch_keeps_its_condition() {
    let new = CONDITIONAL_KMS_KEY_ID.replace("!If [C, !Ref Key,", "!If [C, !Sub '${Key}',");
    assert_ne!(new, CONDITIONAL_KMS_KEY_ID);
    assert_eq!(
        changes(CONDITIONAL_KMS_KEY_ID, &new, &[]),
        Vec::<String>::new()
    );
}

/// With `--parameter Encrypt=false`, `C` is false: `KmsKeyId` is not set in either version,
/// whatever the other branch says.
#[test]
fn a_condition_the_parameters_decide_fixes_the_branch() {
    let new = CONDITIONAL_KMS_KEY_ID.replace("!If [C, !Ref Key,", "!If [C, !GetAtt Key.Arn,");
    assert_eq!(
        changes(CONDITIONAL_KMS_KEY_ID, &new, &[("Encrypt", "false")]),
        Vec::<String>::new()
    );
}
