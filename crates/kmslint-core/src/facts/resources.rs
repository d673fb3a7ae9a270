//! The properties of the three KMS resource types.
//!
//! Source: the CloudFormation registry schemas as shipped in cfn-lint data 2026-06-15
//! (aws-cloudformation/cfn-lint, `src/cfnlint/data/schemas`) and `docs/facts/cloudformation.md`
//! (AWS::KMS::Key, AWS::KMS::ReplicaKey, AWS::KMS::Alias). Enumerations live with the facts
//! they belong to (`key_specs`).

use super::key_specs::{KEY_SPECS, KEY_USAGES, ORIGINS};

pub(crate) const KEY: &str = "AWS::KMS::Key";
pub(crate) const REPLICA_KEY: &str = "AWS::KMS::ReplicaKey";
pub(crate) const ALIAS: &str = "AWS::KMS::Alias";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    String,
    Boolean,
    Integer,
    /// A JSON object or a string holding JSON (KeyPolicy).
    Policy,
    /// A list of `{Key, Value}` tags.
    Tags,
}

#[derive(Debug)]
pub(crate) struct Property {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// Allowed values, when the schema gives an enumeration.
    pub values: Option<fn() -> Vec<&'static str>>,
}

const fn prop(name: &'static str, kind: Kind) -> Property {
    Property {
        name,
        kind,
        required: false,
        values: None,
    }
}

const fn required(name: &'static str, kind: Kind) -> Property {
    Property {
        name,
        kind,
        required: true,
        values: None,
    }
}

fn key_spec_names() -> Vec<&'static str> {
    KEY_SPECS.iter().map(|s| s.name).collect()
}

fn key_usage_names() -> Vec<&'static str> {
    KEY_USAGES.to_vec()
}

fn origin_names() -> Vec<&'static str> {
    ORIGINS.to_vec()
}

pub(crate) const KEY_PROPERTIES: &[Property] = &[
    prop("BypassPolicyLockoutSafetyCheck", Kind::Boolean),
    prop("Description", Kind::String),
    prop("EnableKeyRotation", Kind::Boolean),
    prop("Enabled", Kind::Boolean),
    prop("KeyPolicy", Kind::Policy),
    Property {
        values: Some(key_spec_names),
        ..prop("KeySpec", Kind::String)
    },
    Property {
        values: Some(key_usage_names),
        ..prop("KeyUsage", Kind::String)
    },
    prop("MultiRegion", Kind::Boolean),
    Property {
        values: Some(origin_names),
        ..prop("Origin", Kind::String)
    },
    prop("PendingWindowInDays", Kind::Integer),
    prop("RotationPeriodInDays", Kind::Integer),
    prop("Tags", Kind::Tags),
];

pub(crate) const REPLICA_KEY_PROPERTIES: &[Property] = &[
    prop("Description", Kind::String),
    prop("Enabled", Kind::Boolean),
    required("KeyPolicy", Kind::Policy),
    prop("PendingWindowInDays", Kind::Integer),
    required("PrimaryKeyArn", Kind::String),
    prop("Tags", Kind::Tags),
];

pub(crate) const ALIAS_PROPERTIES: &[Property] = &[
    required("AliasName", Kind::String),
    required("TargetKeyId", Kind::String),
];

/// Key properties a replica takes from its primary: they cannot be set on a ReplicaKey
/// (ReplicateKey docs: shared properties; the ReplicaKey schema has no such properties).
pub(crate) const SHARED_FROM_PRIMARY: &[&str] = &[
    "KeySpec",
    "KeyUsage",
    "Origin",
    "MultiRegion",
    "EnableKeyRotation",
    "RotationPeriodInDays",
];

/// Key properties CloudFormation does not expose on a ReplicaKey although they are not
/// shared: `BypassPolicyLockoutSafetyCheck` is a parameter of ReplicateKey, but the ReplicaKey
/// schema has no such property (`additionalProperties: false`;
/// docs/facts/cloudformation.md#awskmsreplicakey).
pub(crate) const NOT_ON_REPLICA: &[&str] = &["BypassPolicyLockoutSafetyCheck"];

/// Attributes that are read-only (returned by `Fn::GetAtt`), never set as properties.
pub(crate) const READ_ONLY: &[&str] = &["Arn", "KeyId"];

/// The attributes `Fn::GetAtt` can read from each type. Alias has none.
pub(crate) fn attributes(type_name: &str) -> Option<&'static [&'static str]> {
    match type_name {
        KEY | REPLICA_KEY => Some(&["Arn", "KeyId"]),
        ALIAS => Some(&[]),
        _ => None,
    }
}

pub(crate) fn properties(type_name: &str) -> Option<&'static [Property]> {
    match type_name {
        KEY => Some(KEY_PROPERTIES),
        REPLICA_KEY => Some(REPLICA_KEY_PROPERTIES),
        ALIAS => Some(ALIAS_PROPERTIES),
        _ => None,
    }
}

/// Alias names (KMS401). The KMS Developer Guide ("Create aliases") and the CreateAlias
/// reference: `alias/` and a name of letters, digits, `/`, `_` and `-`, at most 256 characters
/// in all (`limits::ALIAS_NAME_MAX`); `alias/aws/` is reserved for AWS managed keys. The
/// CloudFormation schema and the API model also allow `:` in their patterns, but KMS rejects it
/// ("contains invalid characters for an alias", hashicorp/terraform-provider-aws#12891), so `:`
/// is not allowed here (docs/facts/kms.md#aliases).
pub(crate) mod alias_names {
    pub(crate) const PREFIX: &str = "alias/";
    pub(crate) const RESERVED_PREFIX: &str = "alias/aws/";

    pub(crate) fn is_name_char(c: char) -> bool {
        c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-')
    }
}

/// Value limits that CloudFormation or KMS enforce (KMS101).
pub(crate) mod limits {
    /// Description: 0..8192 characters (schema, API DescriptionType).
    pub(crate) const DESCRIPTION_MAX: usize = 8192;
    /// PendingWindowInDays: 7..30 (schema; docs).
    pub(crate) const PENDING_WINDOW: (i64, i64) = (7, 30);
    /// RotationPeriodInDays: 90..2560 (schema, API).
    pub(crate) const ROTATION_PERIOD: (i64, i64) = (90, 2560);
    /// PrimaryKeyArn: at most 256 characters (ReplicaKey schema).
    pub(crate) const PRIMARY_KEY_ARN_MAX: usize = 256;
    /// A key policy: 32 KB, 32,768 bytes (KMS quota, not adjustable).
    pub(crate) const POLICY_BYTES: usize = 32_768;
    /// Tags: at most 50 per key; key 1..128 characters, value 0..256.
    pub(crate) const TAGS_MAX: usize = 50;
    pub(crate) const TAG_KEY_MAX: usize = 128;
    pub(crate) const TAG_VALUE_MAX: usize = 256;
    /// AliasName: at most 256 characters.
    pub(crate) const ALIAS_NAME_MAX: usize = 256;
}
