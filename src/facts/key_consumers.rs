//! Which properties use a key to encrypt, to sign, or across Regions: the allow-list the
//! consumer rules KMS603, KMS604 and KMS605 iterate over.
//!
//! Source: `../shared/reference/consumers.md` ("Services that need a grant in the key policy",
//! "A signing consumer", "Services that work through the caller's permissions", "Other facts":
//! cross-Region by design). Property paths are CloudFormation's (`[]` for every list item).
//!
//! Only the consumers named there are listed: a property that names a key is not necessarily
//! an encryption consumer (signing consumers exist), so the rules never look at every key
//! property. The full table generated from cfn-lint's schemas (`facts::consumer_properties`,
//! with `kind: Encrypt|Sign|Other`) can replace [`CONSUMERS`] in [`consumers`] alone.

/// What the consumer does with the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Encrypts: needs a `SYMMETRIC_DEFAULT` / `ENCRYPT_DECRYPT` key.
    Encrypt,
    /// Signs: Route 53 DNSSEC needs `ECC_NIST_P256` / `SIGN_VERIFY` in us-east-1.
    Sign,
}

/// In which Region the consumer needs its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    /// The stack's own Region (most consumers: a key is Regional).
    Stack,
    /// One Region, whatever the stack's: Route 53 key-signing keys, us-east-1.
    Fixed(&'static str),
    /// Another Region by design (a replica's or a replication destination's key), or not
    /// certain enough to report: KMS605 leaves it alone.
    Any,
}

/// One property that names the key a consumer uses.
#[derive(Clone, Copy, Debug)]
pub struct KeyConsumer {
    pub resource_type: &'static str,
    /// Dotted from `Properties`, `[]` for every item of a list.
    pub path: &'static str,
    pub kind: Kind,
    pub region: Region,
}

const fn encrypt(resource_type: &'static str, path: &'static str) -> KeyConsumer {
    KeyConsumer {
        resource_type,
        path,
        kind: Kind::Encrypt,
        region: Region::Stack,
    }
}

const fn elsewhere(resource_type: &'static str, path: &'static str) -> KeyConsumer {
    KeyConsumer {
        resource_type,
        path,
        kind: Kind::Encrypt,
        region: Region::Any,
    }
}

/// The Region Route 53 DNSSEC needs its key-signing key's KMS key in.
pub const ROUTE53_KSK_REGION: &str = "us-east-1";

/// The consumers of consumers.md, in its order.
pub const CONSUMERS: &[KeyConsumer] = &[
    // Services that need a grant in the key policy.
    encrypt("AWS::Logs::LogGroup", "KmsKeyId"),
    encrypt("AWS::CloudTrail::Trail", "KMSKeyId"),
    encrypt("AWS::CloudTrail::EventDataStore", "KmsKeyId"),
    encrypt("AWS::SNS::Topic", "KmsMasterKeyId"),
    encrypt("AWS::SQS::Queue", "KmsMasterKeyId"),
    encrypt("AWS::Events::EventBus", "KmsKeyIdentifier"),
    encrypt("AWS::SES::ReceiptRule", "Rule.Actions[].S3Action.KmsKeyArn"),
    encrypt(
        "AWS::EC2::LaunchTemplate",
        "LaunchTemplateData.BlockDeviceMappings[].Ebs.KmsKeyId",
    ),
    encrypt(
        "AWS::S3Tables::TableBucket",
        "EncryptionConfiguration.KMSKeyArn",
    ),
    // Services that work through the caller's permissions.
    encrypt(
        "AWS::S3::Bucket",
        "BucketEncryption.ServerSideEncryptionConfiguration[].ServerSideEncryptionByDefault.KMSMasterKeyID",
    ),
    encrypt("AWS::EC2::Volume", "KmsKeyId"),
    encrypt("AWS::EC2::Instance", "BlockDeviceMappings[].Ebs.KmsKeyId"),
    encrypt("AWS::RDS::DBInstance", "KmsKeyId"),
    encrypt("AWS::RDS::DBInstance", "PerformanceInsightsKMSKeyId"),
    encrypt("AWS::RDS::DBInstance", "MasterUserSecret.KmsKeyId"),
    encrypt("AWS::RDS::DBCluster", "KmsKeyId"),
    encrypt("AWS::RDS::DBCluster", "PerformanceInsightsKmsKeyId"),
    encrypt("AWS::RDS::DBCluster", "MasterUserSecret.KmsKeyId"),
    encrypt("AWS::DynamoDB::Table", "SSESpecification.KMSMasterKeyId"),
    encrypt("AWS::SecretsManager::Secret", "KmsKeyId"),
    elsewhere("AWS::SecretsManager::Secret", "ReplicaRegions[].KmsKeyId"),
    encrypt("AWS::Lambda::Function", "KmsKeyArn"),
    encrypt("AWS::Kinesis::Stream", "StreamEncryption.KeyId"),
    encrypt("AWS::EFS::FileSystem", "KmsKeyId"),
    // EFS replication destinations: another Region by design (u).
    elsewhere(
        "AWS::EFS::FileSystem",
        "ReplicationConfiguration.Destinations[].KmsKeyId",
    ),
    encrypt("AWS::ECR::Repository", "EncryptionConfiguration.KmsKey"),
    encrypt("AWS::EKS::Cluster", "EncryptionConfig[].Provider.KeyArn"),
    encrypt("AWS::Backup::BackupVault", "EncryptionKeyArn"),
    // A signing consumer.
    KeyConsumer {
        resource_type: "AWS::Route53::KeySigningKey",
        path: "KeyManagementServiceArn",
        kind: Kind::Sign,
        region: Region::Fixed(ROUTE53_KSK_REGION),
    },
];

/// Every consumer the rules check. To use the generated table, map
/// `facts::consumer_properties::CONSUMER_PROPERTIES` here (its `Encrypt`/`Sign` kinds; the
/// Regions of [`CONSUMERS`] still mark the cross-Region exceptions).
pub fn consumers() -> impl Iterator<Item = &'static KeyConsumer> {
    CONSUMERS.iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_property_is_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for c in consumers() {
            assert!(seen.insert((c.resource_type, c.path)), "{c:?}");
            assert!(c.resource_type.starts_with("AWS::") && !c.path.is_empty());
        }
    }
}
