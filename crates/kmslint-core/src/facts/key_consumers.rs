//! Which properties use a key to encrypt, to sign, or across Regions: the allow-list the
//! consumer rules KMS603, KMS604 and KMS605 iterate over.
//!
//! Source: `docs/facts/consumers.md` ("Services that need a grant", "Route 53 DNSSEC",
//! "Services acting for the caller", "Key Regions": cross-Region by design). Property paths
//! are CloudFormation's (`[]` for every list item).
//!
//! The properties are those of the generated table `facts::consumer_properties` whose kind is
//! `Encrypt` or `Sign`: a property that names a key is not necessarily an encryption consumer
//! (signing consumers exist), so the rules never look at every key property, only those the
//! table marks.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::consumer_properties::{CONSUMER_PROPERTIES, ConsumerKind};

/// What the consumer does with the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Encrypts: needs a `SYMMETRIC_DEFAULT` / `ENCRYPT_DECRYPT` key.
    Encrypt,
    /// Signs: Route 53 DNSSEC needs `ECC_NIST_P256` / `SIGN_VERIFY` in us-east-1.
    Sign,
}

/// In which Region the consumer needs its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Region {
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
pub(crate) struct KeyConsumer {
    pub resource_type: &'static str,
    /// Dotted from `Properties`, `[]` for every item of a list.
    pub path: &'static str,
    pub kind: Kind,
    pub region: Region,
}

/// The Region Route 53 DNSSEC needs its key-signing key's KMS key in.
pub(crate) const ROUTE53_KSK_REGION: &str = "us-east-1";

/// Properties whose key is in another Region by design (docs/facts/consumers.md#key-regions:
/// Secrets Manager replicas; EFS replication destinations, unconfirmed): KMS605 leaves them
/// alone.
const ELSEWHERE: &[(&str, &str)] = &[
    ("AWS::SecretsManager::Secret", "ReplicaRegions[].KmsKeyId"),
    (
        "AWS::EFS::FileSystem",
        "ReplicationConfiguration.Destinations[].KmsKeyId",
    ),
];

/// Every encrypting or signing key property of the generated table (`consumer_properties`,
/// from cfn-lint's schemas and docs/facts/consumers.md), with the Region its key must be in.
/// Properties of kind `Other` (an alias's target, a replica's primary) are not consumers.
static CONSUMERS: LazyLock<Vec<KeyConsumer>> = LazyLock::new(|| {
    CONSUMER_PROPERTIES
        .iter()
        .filter_map(|p| {
            let kind = match p.kind {
                ConsumerKind::Encrypt => Kind::Encrypt,
                ConsumerKind::Sign => Kind::Sign,
                ConsumerKind::Other => return None,
            };
            let region = if kind == Kind::Sign {
                Region::Fixed(ROUTE53_KSK_REGION)
            } else if ELSEWHERE.contains(&(p.resource_type, p.path)) {
                Region::Any
            } else {
                Region::Stack
            };
            Some(KeyConsumer {
                resource_type: p.resource_type,
                path: p.path,
                kind,
                region,
            })
        })
        .collect()
});

pub(crate) fn consumers() -> impl Iterator<Item = &'static KeyConsumer> {
    CONSUMERS.iter()
}

/// The consumers, as a table [`indexes_of_type`] points into.
pub(crate) fn table() -> &'static [KeyConsumer] {
    &CONSUMERS
}

/// The indexes in [`table`] of the consumers of `resource_type`, in table order.
pub(crate) fn indexes_of_type(resource_type: &str) -> &'static [usize] {
    static BY_TYPE: LazyLock<HashMap<&'static str, Vec<usize>>> = LazyLock::new(|| {
        let mut by_type: HashMap<&'static str, Vec<usize>> = HashMap::new();
        for (i, c) in CONSUMERS.iter().enumerate() {
            by_type.entry(c.resource_type).or_default().push(i);
        }
        by_type
    });
    BY_TYPE.get(resource_type).map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_consumers_of_consumers_md_are_there() {
        for (t, p) in [
            ("AWS::Logs::LogGroup", "KmsKeyId"),
            ("AWS::SNS::Topic", "KmsMasterKeyId"),
            ("AWS::SES::ReceiptRule", "Rule.Actions[].S3Action.KmsKeyArn"),
        ] {
            assert!(
                consumers().any(|c| c.resource_type == t && c.path == p),
                "{t} {p}"
            );
        }
        for (t, p) in ELSEWHERE {
            let c = consumers().find(|c| c.resource_type == *t && c.path == *p);
            assert_eq!(c.map(|c| c.region), Some(Region::Any), "{t} {p}");
        }
    }

    #[test]
    fn each_property_is_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for c in consumers() {
            assert!(seen.insert((c.resource_type, c.path)), "{c:?}");
            assert!(c.resource_type.starts_with("AWS::") && !c.path.is_empty());
        }
    }
}
