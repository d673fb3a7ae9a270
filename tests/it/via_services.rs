//! `crates/kmslint-core/src/facts/via_services.rs` is generated from `data/via-services.tsv`:
//! it must be what the generator writes today, and the data must be sorted, without
//! duplicates, each row with its source, and hold the names AWS's documented key policies use.

#[allow(dead_code)]
#[path = "../../examples/generate_via_services/render.rs"]
mod render;

use std::fs;

use crate::common;
use std::path::Path;

fn tsv() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    fs::read_to_string(root.join(render::TSV)).expect("data/via-services.tsv")
}

#[test]
fn the_generated_table_is_current() {
    let expected = render::render(&tsv()).expect("the TSV parses");
    common::assert_generated(render::OUTPUT, &expected, render::TSV, render::COMMAND);
}

#[test]
fn the_data_is_sorted_without_duplicates_and_sourced() {
    let rows = render::parse(&tsv()).expect("the TSV parses");
    assert!(rows.len() > 400, "{} rows", rows.len());
    for pair in rows.windows(2) {
        assert!(
            pair[0].service < pair[1].service,
            "not sorted, or a duplicate: {} then {}",
            pair[0].service,
            pair[1].service
        );
    }
    for row in &rows {
        assert!(
            row.source.starts_with("botocore ") || row.source.starts_with("hand: "),
            "{}: source {:?}",
            row.service,
            row.source
        );
    }
    // Most of the table comes from the SDK data, not by hand.
    let hand = rows.iter().filter(|r| r.source.starts_with("hand")).count();
    assert!(hand * 20 < rows.len(), "{hand} rows by hand");
}

#[test]
fn the_table_has_the_services_of_aws_documented_key_policies() {
    // The generated table is the TSV's names (the first test), so the TSV is asked.
    let rows = render::parse(&tsv()).expect("the TSV parses");
    let is_known = |name: &str| rows.iter().any(|r| r.service == name);
    // Names in kms:ViaService values of AWS's documentation and managed policies:
    // IAM Identity Center's (`sso`, `identitystore`), the KMS Developer Guide's examples
    // (`ec2`, `rds`, `s3`, `secretsmanager`, `ssm`, `dynamodb`), Amazon ECR's and SageMaker's
    // encryption pages, CloudWatch Logs' (`logs`).
    for name in [
        "sso",
        "identitystore",
        "ec2",
        "rds",
        "s3",
        "secretsmanager",
        "ssm",
        "dynamodb",
        "ecr",
        "sagemaker",
        "logs",
        "elasticfilesystem",
        "cloudformation",
        "importexport",
    ] {
        assert!(is_known(name), "{name}");
    }
    for name in ["secretmanager", "api", "runtime", "amazonaws"] {
        assert!(!is_known(name), "{name}");
    }
}
