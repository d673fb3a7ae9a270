//! KMS106 (sensitive-metadata) on the real-world corpus in `../shared/corpus`: the ordinary
//! descriptions, tags and alias names of public templates contain no secret or personal data
//! (checked by hand: its only e-mail addresses and passwords are in other resource types), so
//! the rule must stay silent on every file. Skipped, with a message, when the corpus is absent.

use crate::common;

use kmslint::discover;

#[test]
fn sensitive_metadata_never_fires_on_the_corpus() {
    let Some(dir) = common::corpus() else {
        return;
    };
    let found = discover::discover(std::slice::from_ref(&dir), &globset::GlobSet::empty());
    assert!(found.inputs.len() > 150, "the whole corpus is walked");
    let settings = common::settings("", Some("KMS106"));
    let mut findings = Vec::new();
    for input in &found.inputs {
        let (report, _) = common::lint_input(input, &settings);
        findings.extend(
            report
                .diagnostics
                .iter()
                .filter(|d| d.code == "KMS106")
                .map(|d| {
                    format!(
                        "{}:{}:{} {}",
                        input.name, d.start.line, d.start.column, d.message
                    )
                }),
        );
    }
    assert!(findings.is_empty(), "\n{}", findings.join("\n"));
}
