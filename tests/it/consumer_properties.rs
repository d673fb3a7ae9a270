//! `crates/kmslint-core/src/facts/consumer_properties.rs` is generated from
//! `data/consumer-properties.tsv`: it must
//! be what the generator writes today, and the data must be sorted, without duplicates, and
//! name every property `docs/facts/consumers.md` lists.

#[allow(dead_code)]
#[path = "../../examples/generate_consumer_properties/render.rs"]
mod render;

use std::collections::BTreeSet;
use std::fs;

use crate::common;
use std::path::Path;

fn tsv() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    fs::read_to_string(root.join(render::TSV)).expect("data/consumer-properties.tsv")
}

#[test]
fn the_generated_table_is_current() {
    let expected = render::render(&tsv()).expect("the TSV parses");
    common::assert_generated(render::OUTPUT, &expected, render::TSV, render::COMMAND);
}

#[test]
fn the_data_is_sorted_without_duplicates() {
    let rows = render::parse(&tsv()).expect("the TSV parses");
    assert!(rows.len() > 150, "{} rows", rows.len());
    for pair in rows.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(
            (&a.resource_type, &a.path) < (&b.resource_type, &b.path),
            "not sorted, or a duplicate: {} {} then {} {}",
            a.resource_type,
            a.path,
            b.resource_type,
            b.path
        );
    }
}

#[test]
fn the_data_names_the_properties_of_the_reference() {
    let rows = render::parse(&tsv()).expect("the TSV parses");
    let have: BTreeSet<(&str, &str)> = rows
        .iter()
        .map(|r| (r.resource_type.as_str(), r.path.as_str()))
        .collect();
    // docs/facts/consumers.md: "Services that need a grant", "Services acting for the
    // caller" and "Consumer properties".
    let wanted = [
        ("AWS::Logs::LogGroup", "KmsKeyId"),
        ("AWS::CloudTrail::Trail", "KMSKeyId"),
        ("AWS::CloudTrail::EventDataStore", "KmsKeyId"),
        ("AWS::SNS::Topic", "KmsMasterKeyId"),
        ("AWS::SQS::Queue", "KmsMasterKeyId"),
        ("AWS::Events::EventBus", "KmsKeyIdentifier"),
        ("AWS::SES::ReceiptRule", "Rule.Actions[].S3Action.KmsKeyArn"),
        (
            "AWS::EC2::LaunchTemplate",
            "LaunchTemplateData.BlockDeviceMappings[].Ebs.KmsKeyId",
        ),
        (
            "AWS::S3Tables::TableBucket",
            "EncryptionConfiguration.KMSKeyArn",
        ),
        ("AWS::Route53::KeySigningKey", "KeyManagementServiceArn"),
        (
            "AWS::S3::Bucket",
            "BucketEncryption.ServerSideEncryptionConfiguration[].ServerSideEncryptionByDefault.KMSMasterKeyID",
        ),
        ("AWS::EC2::Volume", "KmsKeyId"),
        ("AWS::EC2::Instance", "BlockDeviceMappings[].Ebs.KmsKeyId"),
        ("AWS::RDS::DBInstance", "KmsKeyId"),
        ("AWS::RDS::DBInstance", "PerformanceInsightsKMSKeyId"),
        ("AWS::RDS::DBInstance", "MasterUserSecret.KmsKeyId"),
        ("AWS::RDS::DBCluster", "KmsKeyId"),
        ("AWS::RDS::DBCluster", "PerformanceInsightsKmsKeyId"),
        ("AWS::RDS::DBCluster", "MasterUserSecret.KmsKeyId"),
        ("AWS::DynamoDB::Table", "SSESpecification.KMSMasterKeyId"),
        ("AWS::SecretsManager::Secret", "KmsKeyId"),
        ("AWS::SecretsManager::Secret", "ReplicaRegions[].KmsKeyId"),
        ("AWS::Lambda::Function", "KmsKeyArn"),
        ("AWS::Kinesis::Stream", "StreamEncryption.KeyId"),
        ("AWS::EFS::FileSystem", "KmsKeyId"),
        ("AWS::FSx::FileSystem", "KmsKeyId"),
        ("AWS::ECR::Repository", "EncryptionConfiguration.KmsKey"),
        ("AWS::EKS::Cluster", "EncryptionConfig[].Provider.KeyArn"),
        ("AWS::Backup::BackupVault", "EncryptionKeyArn"),
        (
            "AWS::KinesisFirehose::DeliveryStream",
            "DeliveryStreamEncryptionConfigurationInput.KeyARN",
        ),
        (
            "AWS::MSK::Cluster",
            "EncryptionInfo.EncryptionAtRest.DataVolumeKMSKeyId",
        ),
        ("AWS::KMS::ReplicaKey", "PrimaryKeyArn"),
    ];
    let missing: Vec<_> = wanted.iter().filter(|w| !have.contains(w)).collect();
    assert!(missing.is_empty(), "missing from the table: {missing:?}");

    // The signing consumer is the only `sign` row; the create-only ones consumers.md names are
    // marked so.
    let sign: Vec<_> = rows.iter().filter(|r| r.kind == "Sign").collect();
    assert_eq!(sign.len(), 1);
    assert_eq!(sign[0].resource_type, "AWS::Route53::KeySigningKey");
    for (resource_type, path) in [
        ("AWS::RDS::DBInstance", "KmsKeyId"),
        ("AWS::EFS::FileSystem", "KmsKeyId"),
        ("AWS::ECR::Repository", "EncryptionConfiguration.KmsKey"),
        ("AWS::EKS::Cluster", "EncryptionConfig[].Provider.KeyArn"),
        ("AWS::Backup::BackupVault", "EncryptionKeyArn"),
        ("AWS::KMS::ReplicaKey", "PrimaryKeyArn"),
    ] {
        let row = rows
            .iter()
            .find(|r| r.resource_type == resource_type && r.path == path)
            .expect("present");
        assert!(row.create_only, "{resource_type} {path} is create-only");
    }
}
