//! The consumer corpus in `tests/corpus-consumers`: public templates whose resources use KMS
//! keys (log groups, trails, encrypted topics and queues, launch templates, buckets, tables,
//! databases). Every file is read without a panic, loads (no KMS001 unless its MANIFEST row
//! says it does not parse), and the MANIFEST lists exactly the files present, with their sizes.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use kmslint::discover;
use kmslint_core::Settings;
use kmslint_core::rules::{RuleKind, kind};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus-consumers")
}

/// file → (bytes, parses, license), from MANIFEST.tsv.
fn manifest() -> BTreeMap<String, (u64, String, String)> {
    let text = fs::read_to_string(dir().join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("file\trepo\toriginal_path\tcommit\tbytes\tcategory\tformat\tparses\tlicense"),
        "the same columns as ../shared/corpus/MANIFEST.tsv"
    );
    lines
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 9, "{line}");
            let bytes = f[4].parse().expect("bytes is a number");
            (f[0].to_owned(), (bytes, f[7].to_owned(), f[8].to_owned()))
        })
        .collect()
}

#[test]
fn the_manifest_lists_exactly_the_files_present() {
    let listed = manifest();
    let mut present = BTreeSet::new();
    for owner in fs::read_dir(dir()).expect("the corpus folder") {
        let owner = owner.expect("entry").path();
        if !owner.is_dir() {
            continue;
        }
        for file in fs::read_dir(&owner).expect("a repository folder") {
            let path = file.expect("entry").path();
            let relative = path.strip_prefix(dir()).expect("inside").to_string_lossy();
            let relative = relative.replace('\\', "/");
            let size = fs::metadata(&path).expect("metadata").len();
            match listed.get(&relative) {
                Some((bytes, _, license)) => {
                    assert_eq!(*bytes, size, "{relative}: size differs from the MANIFEST");
                    assert!(
                        ["Apache-2.0", "MIT", "MIT-0"]
                            .iter()
                            .any(|l| license.starts_with(l)),
                        "{relative}: licence {license}"
                    );
                }
                None => panic!("{relative} is not in MANIFEST.tsv"),
            }
            present.insert(relative);
        }
    }
    let listed: BTreeSet<String> = listed.into_keys().collect();
    assert_eq!(listed, present, "MANIFEST.tsv and the files differ");
    assert!(present.len() >= 30, "{} files", present.len());
}

#[test]
fn every_file_reads_without_panics_and_loads() {
    let dir = dir();
    let manifest = manifest();
    let found = discover::discover(std::slice::from_ref(&dir), &globset::GlobSet::empty());
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    assert_eq!(
        found.inputs.len(),
        manifest.len(),
        "every template is walked"
    );
    // All rules, on purpose: no rule may panic or report KMS001 on a real template.
    let settings = Settings::default();
    for input in &found.inputs {
        let relative = input.path.strip_prefix(&dir).unwrap_or(&input.path);
        let relative = relative.to_string_lossy().replace('\\', "/");
        let parses = &manifest.get(&relative).expect("in the MANIFEST").1;
        let (report, text) = crate::common::lint_input(input, &settings);
        for d in &report.diagnostics {
            assert!(d.span.end as usize <= text.len(), "{}: {d:?}", input.name);
            assert!(
                kind(d.code) != Some(RuleKind::Parse) || parses != "ok",
                "{relative} is marked `parses: ok` but: {d:?}"
            );
        }
    }
}
