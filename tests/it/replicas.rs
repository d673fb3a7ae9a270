//! Multi-Region scenarios that involve two rules at once, which the per-rule fixtures (linted
//! with their folder's rule only) cannot show: the cases for KMS301 and KMS302.

use crate::common;

fn codes(text: &str) -> Vec<(u32, &'static str)> {
    let settings = common::settings("", None);
    let mut found: Vec<(u32, &'static str)> =
        kmslint_core::lint_source("replicas.yaml", text, &settings)
            .into_iter()
            .filter(|d| d.code.starts_with("KMS30"))
            .map(|d| (d.start.line, d.code))
            .collect();
    found.sort();
    found
}

const POLICY: &str = "
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'
            Action: 'kms:*'
            Resource: '*'";

/// A key with `key_property`, and a replica of it by `!GetAtt` (line 9).
fn replica_of_key_with(key_property: &str) -> String {
    format!(
        "Resources:
  PrimaryKey:
    Type: AWS::KMS::Key
    Properties:
      {key_property}
  Replica:
    Type: AWS::KMS::ReplicaKey
    Properties:
      PrimaryKeyArn: !GetAtt PrimaryKey.Arn{POLICY}
"
    )
}

#[test]
fn a_replica_of_a_key_in_the_same_template_is_in_the_same_region() {
    let text = replica_of_key_with("MultiRegion: true");
    assert_eq!(codes(&text), vec![(9, "KMS302")]);
}

#[test]
fn without_multi_region_the_same_replica_is_also_kms301() {
    let text = replica_of_key_with("EnableKeyRotation: true");
    assert_eq!(codes(&text), vec![(9, "KMS301"), (9, "KMS302")]);
}

#[test]
fn a_built_arn_with_the_account_and_a_multi_region_key_id_is_neither() {
    let text = format!(
        "Resources:
  Replica:
    Type: AWS::KMS::ReplicaKey
    Properties:
      PrimaryKeyArn: !Sub 'arn:${{AWS::Partition}}:kms:us-east-1:${{AWS::AccountId}}:key/mrk-1234abcd12ab34cd56ef1234567890ab'{POLICY}
"
    );
    assert_eq!(codes(&text), vec![]);
}

/// The replica stacks CDK synthesizes for multi-Region keys with `crossRegionReferences`
/// (tests/deployments/cdk, case multi-region): both replicas of a stack get their primary's
/// ARN from one `Custom::CrossRegionExportReader`, each through its own attribute. Two
/// attributes of one reader are two primaries, not a replica given twice.
#[test]
fn replicas_of_two_primaries_through_one_cdk_reader_are_not_duplicates() {
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/deployments/cdk/out/multi-region");
    for stack in ["ReplicasEu", "ReplicasAp"] {
        let path = out.join(format!("{stack}.template.json"));
        let (report, _) = common::lint_path(&path, &common::only(&["KMS303"]));
        assert_eq!(
            report.outcome,
            kmslint_core::Outcome::Linted(kmslint_core::DocumentKind::Template),
            "{stack}"
        );
        let replicas = report
            .diagnostics
            .iter()
            .map(|d| d.code)
            .collect::<Vec<_>>();
        assert!(replicas.is_empty(), "{stack}: {replicas:?}");
    }
}
