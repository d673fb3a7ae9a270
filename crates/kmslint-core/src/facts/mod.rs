//! Facts about KMS and CloudFormation, as tables (and the shape of an account ID). Each file
//! names its sources; the facts themselves, with AWS's pages, are written out in
//! `docs/facts/`.

pub(crate) mod actions;
pub(crate) mod condition_support;
pub(crate) mod conditions;
// Generated: every column is kept though not all are read yet (`formats`, and `create_only`
// for the change-safety rules).
#[allow(dead_code)]
pub(crate) mod consumer_properties;
pub(crate) mod consumers;
pub(crate) mod iam_arn;
pub(crate) mod key_consumers;
pub(crate) mod key_specs;
pub(crate) mod pseudo;
pub(crate) mod regions;
pub(crate) mod resources;
pub(crate) mod service_scopes;
pub(crate) mod via_services;

/// An AWS account ID: twelve digits.
pub(crate) fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The fields of an ARN written out in full, after `arn:`: partition, service, Region, account
/// and resource (which keeps any further colons). `None` when it is not `arn:` and five fields.
pub(crate) fn arn_fields(s: &str) -> Option<[&str; 5]> {
    let mut fields = s.splitn(6, ':');
    if fields.next() != Some("arn") {
        return None;
    }
    let fields = [
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
    ];
    Some(fields)
}

#[cfg(test)]
mod consumer_properties_tests {
    use super::consumer_properties::{
        CONSUMER_PROPERTIES, ConsumerKind, KeyFormat, KeyFormats, for_type,
    };

    #[test]
    fn the_table_is_sorted_and_for_type_finds_each_type() {
        for pair in CONSUMER_PROPERTIES.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            assert!(
                (a.resource_type, a.path) < (b.resource_type, b.path),
                "{a:?} {b:?}"
            );
        }
        for p in CONSUMER_PROPERTIES {
            assert!(for_type(p.resource_type).contains(p));
            assert!(
                for_type(p.resource_type)
                    .iter()
                    .all(|q| q.resource_type == p.resource_type)
            );
        }
        let rds: Vec<&str> = for_type("AWS::RDS::DBInstance")
            .iter()
            .map(|p| p.path)
            .collect();
        assert_eq!(
            rds,
            [
                "KmsKeyId",
                "MasterUserSecret.KmsKeyId",
                "PerformanceInsightsKMSKeyId"
            ]
        );
        assert!(for_type("AWS::S3::Bucketx").is_empty());
        assert!(for_type("").is_empty());
        assert!(for_type("AWS::ZZZ::None").is_empty());
    }

    #[test]
    fn formats_and_kinds() {
        let logs = for_type("AWS::Logs::LogGroup");
        assert_eq!(logs.len(), 1);
        assert_eq!(logs[0].formats, KeyFormats::ANY);
        assert_eq!(logs[0].kind, ConsumerKind::Encrypt);
        assert!(!logs[0].create_only);
        let lambda = &for_type("AWS::Lambda::Function")[0];
        assert!(lambda.formats.contains(KeyFormat::KeyArn));
        assert!(!lambda.formats.contains(KeyFormat::AliasName));
        let alias = &for_type("AWS::KMS::Alias")[0];
        assert_eq!(alias.formats, KeyFormats::KEY_ARN.union(KeyFormats::KEY_ID));
        assert_eq!(alias.kind, ConsumerKind::Other);
        assert_eq!(
            for_type("AWS::Route53::KeySigningKey")[0].kind,
            ConsumerKind::Sign
        );
    }
}
