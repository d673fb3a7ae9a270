//! The real-world corpus in `../shared/corpus`: every file is read without a panic, and
//! parse errors (KMS001) are reported for exactly the files its MANIFEST marks `invalid_*`.
//! Skipped, with a message, when the corpus is absent, except under CI (see `common::corpus`).

use crate::common;

use std::collections::BTreeSet;
use std::fs;

use kmslint::discover;
use kmslint_core::Settings;
use kmslint_core::rules::{RuleKind, kind};

#[test]
fn the_corpus_reads_without_panics_and_parse_errors_are_exactly_the_invalid_files() {
    let Some(dir) = common::corpus() else {
        return;
    };
    let manifest = fs::read_to_string(dir.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    let invalid: BTreeSet<String> = manifest
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            (fields.get(7)?.starts_with("invalid_")).then(|| fields[0].to_owned())
        })
        .collect();
    assert!(!invalid.is_empty(), "the manifest marks some files invalid");
    let found = discover::discover(std::slice::from_ref(&dir), &globset::GlobSet::empty());
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    assert!(found.inputs.len() > 150, "the whole corpus is walked");
    // All rules, on purpose: the corpus's counts are the whole tool's.
    let settings = Settings::default();
    let mut parse_errors = BTreeSet::new();
    for input in &found.inputs {
        let (report, text) = common::lint_input(input, &settings);
        for d in &report.diagnostics {
            assert!(d.span.end as usize <= text.len(), "{}: {d:?}", input.name);
            if kind(d.code) == Some(RuleKind::Parse) {
                let relative = input.path.strip_prefix(&dir).unwrap_or(&input.path);
                parse_errors.insert(relative.to_string_lossy().into_owned());
            }
        }
    }
    assert_eq!(parse_errors, invalid);
}
