//! The real SAM templates of `tests/sam-corpus/` (issue 26; MANIFEST.tsv) are linted as SAM
//! expands them: every file is read, and the findings must be exactly those of
//! `expected.tsv` (`KMSLINT_BLESS=1` rewrites it; each row is judged in REVIEW.md).

use crate::common;

const HEADER: &str = "file\tline\tcolumn\tcode\tmessage";

#[test]
fn the_sam_corpus_gives_the_reviewed_findings() {
    let dir = common::root().join("tests/sam-corpus");
    let run = common::kmslint(&dir, &["check", "--no-config", "--format", "json", "."]);
    let report = run.json();
    assert_eq!(
        report["summary"]["files"].as_u64(),
        Some(33),
        "every template is read: {}",
        run.stderr
    );
    let mut rows: Vec<String> = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            format!(
                "{}\t{}\t{}\t{}\t{}",
                d["path"]
                    .as_str()
                    .unwrap_or_default()
                    .trim_start_matches("./"),
                d["start"]["line"],
                d["start"]["column"],
                d["code"].as_str().unwrap_or_default(),
                d["message"].as_str().unwrap_or_default()
            )
        })
        .collect();
    rows.sort();
    let actual = format!("{HEADER}\n{}\n", rows.join("\n"));
    common::assert_reviewed(
        &dir.join("expected.tsv"),
        &actual,
        "the findings",
        "REVIEW.md",
    );
}
