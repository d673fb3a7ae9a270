//! Condition operators and the condition keys a key policy can use.
//!
//! Sources: IAM User Guide, "IAM JSON policy elements: Condition operators" (operators,
//! `IfExists`, `ForAllValues:`/`ForAnyValue:`); AWS Service Authorization Reference for KMS
//! (copy of 2026-06-14) for the `kms:` keys and their types; the IAM page "AWS global
//! condition context keys" via a secondary list (2025-01-17) for `aws:` keys. Summarised in
//! `docs/facts/iam.md#condition-operators`, `docs/facts/kms.md#condition-keys` and
//! `docs/facts/iam.md#global-condition-keys`.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyType {
    String,
    ArrayOfString,
    Bool,
    Numeric,
    Date,
    Arn,
    Ip,
}

impl KeyType {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            KeyType::String => "a string",
            KeyType::ArrayOfString => "a list of strings",
            KeyType::Bool => "a boolean",
            KeyType::Numeric => "a number",
            KeyType::Date => "a date",
            KeyType::Arn => "an ARN",
            KeyType::Ip => "an IP address",
        }
    }
}

/// What values an operator compares with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OperatorKind {
    String,
    Numeric,
    Date,
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

pub(crate) const OPERATORS: &[(&str, OperatorKind)] = &[
    ("StringEquals", OperatorKind::String),
    ("StringNotEquals", OperatorKind::String),
    ("StringEqualsIgnoreCase", OperatorKind::String),
    ("StringNotEqualsIgnoreCase", OperatorKind::String),
    ("StringLike", OperatorKind::String),
    ("StringNotLike", OperatorKind::String),
    ("NumericEquals", OperatorKind::Numeric),
    ("NumericNotEquals", OperatorKind::Numeric),
    ("NumericLessThan", OperatorKind::Numeric),
    ("NumericLessThanEquals", OperatorKind::Numeric),
    ("NumericGreaterThan", OperatorKind::Numeric),
    ("NumericGreaterThanEquals", OperatorKind::Numeric),
    ("DateEquals", OperatorKind::Date),
    ("DateNotEquals", OperatorKind::Date),
    ("DateLessThan", OperatorKind::Date),
    ("DateLessThanEquals", OperatorKind::Date),
    ("DateGreaterThan", OperatorKind::Date),
    ("DateGreaterThanEquals", OperatorKind::Date),
    ("Bool", OperatorKind::Bool),
    ("BinaryEquals", OperatorKind::Binary),
    ("IpAddress", OperatorKind::Ip),
    ("NotIpAddress", OperatorKind::Ip),
    ("ArnEquals", OperatorKind::Arn),
    ("ArnLike", OperatorKind::Arn),
    ("ArnNotEquals", OperatorKind::Arn),
    ("ArnNotLike", OperatorKind::Arn),
    ("Null", OperatorKind::Null),
];

/// Set qualifiers for multivalued keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SetQualifier {
    ForAllValues,
    ForAnyValue,
}

/// An operator as written: `ForAnyValue:StringLikeIfExists` and so on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Operator {
    pub base: &'static str,
    pub kind: OperatorKind,
    pub if_exists: bool,
    pub set: Option<SetQualifier>,
}

impl Operator {
    /// A negated operator matches when its key is absent (IAM: "missing key" behaviour).
    pub(crate) fn negated(&self) -> bool {
        self.base.contains("Not")
    }
}

/// Why an operator name is not valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum OperatorError {
    Unknown,
    IfExistsOnNull,
}

/// Parses an operator name. Operator names are case-sensitive in IAM.
pub(crate) fn parse_operator(name: &str) -> Result<Operator, OperatorError> {
    let (set, rest) = if let Some(rest) = name.strip_prefix("ForAllValues:") {
        (Some(SetQualifier::ForAllValues), rest)
    } else if let Some(rest) = name.strip_prefix("ForAnyValue:") {
        (Some(SetQualifier::ForAnyValue), rest)
    } else {
        (None, name)
    };
    let (if_exists, base) = match rest.strip_suffix("IfExists") {
        Some(base) => (true, base),
        None => (false, rest),
    };
    let &(base, kind) = OPERATORS
        .iter()
        .find(|(op, _)| *op == base)
        .ok_or(OperatorError::Unknown)?;
    if if_exists && kind == OperatorKind::Null {
        return Err(OperatorError::IfExistsOnNull);
    }
    Ok(Operator {
        base,
        kind,
        if_exists,
        set,
    })
}

/// `kms:` condition keys. Prefixes ending in `:` or `/` take a user-chosen suffix.
pub(crate) const KMS_KEYS: &[(&str, KeyType)] = &[
    ("kms:BypassPolicyLockoutSafetyCheck", KeyType::Bool),
    ("kms:CallerAccount", KeyType::String),
    ("kms:CustomerMasterKeySpec", KeyType::String),
    ("kms:CustomerMasterKeyUsage", KeyType::String),
    ("kms:DataKeyPairSpec", KeyType::String),
    ("kms:EncryptionAlgorithm", KeyType::String),
    ("kms:EncryptionContext:", KeyType::String),
    ("kms:EncryptionContextKeys", KeyType::ArrayOfString),
    ("kms:ExpirationModel", KeyType::String),
    ("kms:GrantConstraintSourceArn", KeyType::Arn),
    ("kms:GrantConstraintType", KeyType::String),
    ("kms:GrantIsForAWSResource", KeyType::Bool),
    ("kms:GrantOperations", KeyType::ArrayOfString),
    ("kms:GranteePrincipal", KeyType::String),
    ("kms:GranteeServicePrincipal", KeyType::String),
    ("kms:KeyAgreementAlgorithm", KeyType::String),
    ("kms:KeyOrigin", KeyType::String),
    ("kms:KeySpec", KeyType::String),
    ("kms:KeyUsage", KeyType::String),
    ("kms:MacAlgorithm", KeyType::String),
    ("kms:MessageType", KeyType::String),
    ("kms:MultiRegion", KeyType::Bool),
    ("kms:MultiRegionKeyType", KeyType::String),
    ("kms:PrimaryRegion", KeyType::String),
    ("kms:ReEncryptOnSameKey", KeyType::Bool),
    ("kms:ReplicaRegion", KeyType::String),
    ("kms:RequestAlias", KeyType::String),
    ("kms:ResourceAliases", KeyType::ArrayOfString),
    ("kms:RetiringPrincipal", KeyType::String),
    ("kms:RetiringServicePrincipal", KeyType::String),
    ("kms:RotationPeriodInDays", KeyType::Numeric),
    (
        "kms:ScheduleKeyDeletionPendingWindowInDays",
        KeyType::Numeric,
    ),
    ("kms:SigningAlgorithm", KeyType::String),
    ("kms:TrailingDaysWithoutKeyUsage", KeyType::Numeric),
    ("kms:ValidTo", KeyType::Date),
    ("kms:ViaService", KeyType::String),
    ("kms:WrappingAlgorithm", KeyType::String),
    ("kms:WrappingKeySpec", KeyType::String),
];

/// Global `aws:` condition keys (and the few service keys KMS documents with them).
pub(crate) const GLOBAL_KEYS: &[(&str, KeyType)] = &[
    ("aws:AssumedRoot", KeyType::Bool),
    ("aws:CalledVia", KeyType::ArrayOfString),
    ("aws:CalledViaFirst", KeyType::String),
    ("aws:CalledViaLast", KeyType::String),
    ("aws:ChatbotSourceArn", KeyType::Arn),
    ("aws:CurrentTime", KeyType::Date),
    ("aws:Ec2InstanceSourcePrivateIPv4", KeyType::Ip),
    ("aws:Ec2InstanceSourceVpc", KeyType::String),
    ("aws:EpochTime", KeyType::Date),
    ("aws:FederatedProvider", KeyType::String),
    ("aws:MultiFactorAuthAge", KeyType::Numeric),
    ("aws:MultiFactorAuthPresent", KeyType::Bool),
    ("aws:PrincipalAccount", KeyType::String),
    ("aws:PrincipalArn", KeyType::Arn),
    ("aws:PrincipalIsAWSService", KeyType::Bool),
    ("aws:PrincipalOrgID", KeyType::String),
    ("aws:PrincipalOrgPaths", KeyType::ArrayOfString),
    ("aws:PrincipalServiceName", KeyType::String),
    ("aws:PrincipalServiceNamesList", KeyType::ArrayOfString),
    ("aws:PrincipalTag/", KeyType::String),
    ("aws:PrincipalType", KeyType::String),
    ("aws:Referer", KeyType::String),
    ("aws:RequestTag/", KeyType::String),
    ("aws:RequestedRegion", KeyType::String),
    ("aws:ResourceAccount", KeyType::String),
    ("aws:ResourceOrgID", KeyType::String),
    ("aws:ResourceOrgPaths", KeyType::ArrayOfString),
    ("aws:ResourceTag/", KeyType::String),
    ("aws:SecureTransport", KeyType::Bool),
    ("aws:SourceAccount", KeyType::String),
    ("aws:SourceArn", KeyType::Arn),
    ("aws:SourceIdentity", KeyType::String),
    ("aws:SourceIp", KeyType::Ip),
    ("aws:SourceOrgID", KeyType::String),
    ("aws:SourceOrgPaths", KeyType::ArrayOfString),
    ("aws:SourceVpc", KeyType::String),
    ("aws:SourceVpce", KeyType::String),
    ("aws:TagKeys", KeyType::ArrayOfString),
    ("aws:TokenIssueTime", KeyType::Date),
    ("aws:UserAgent", KeyType::String),
    ("aws:ViaAWSService", KeyType::Bool),
    ("aws:VpcSourceIp", KeyType::Ip),
    ("aws:VpceAccount", KeyType::String),
    ("aws:VpceOrgID", KeyType::String),
    ("aws:VpceOrgPaths", KeyType::ArrayOfString),
    ("aws:userid", KeyType::String),
    ("aws:username", KeyType::String),
];

/// Nitro attestation keys: `kms:RecipientAttestation:ImageSha384`, `…:PCR0`–`PCR31`,
/// `…:NitroTPMPCR0`–`NitroTPMPCR23` (57 keys).
fn is_attestation_key(rest: &str) -> bool {
    let number = |s: &str, max: u32| {
        !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_digit())
            && s.parse::<u32>().is_ok_and(|n| n <= max)
    };
    rest.eq_ignore_ascii_case("ImageSha384")
        || strip_prefix_ignore_case(rest, "PCR").is_some_and(|n| number(n, 31))
        || strip_prefix_ignore_case(rest, "NitroTPMPCR").is_some_and(|n| number(n, 23))
}

/// `s` without `prefix`, compared ASCII case-insensitively.
pub(crate) fn strip_prefix_ignore_case<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    s.get(..prefix.len())
        .filter(|p| p.eq_ignore_ascii_case(prefix))
        .map(|_| &s[prefix.len()..])
}

/// The type of a condition key, if it is known. Condition key names are case-insensitive.
pub(crate) fn key_type(key: &str) -> Option<KeyType> {
    let lookup = |table: &[(&str, KeyType)]| {
        table.iter().find_map(|&(name, ty)| {
            let matches = if name.ends_with(':') || name.ends_with('/') {
                // `get`: a character of `key` may straddle the prefix's length.
                key.len() > name.len()
                    && key
                        .get(..name.len())
                        .is_some_and(|p| p.eq_ignore_ascii_case(name))
            } else {
                key.eq_ignore_ascii_case(name)
            };
            matches.then_some(ty)
        })
    };
    if let Some(rest) = strip_prefix_ignore_case(key, "kms:RecipientAttestation:") {
        return is_attestation_key(rest).then_some(KeyType::String);
    }
    lookup(KMS_KEYS).or_else(|| lookup(GLOBAL_KEYS))
}

/// Whether `key` is in the `kms:` namespace (which KMS213 checks for existence).
pub(crate) fn is_kms_key(key: &str) -> bool {
    strip_prefix_ignore_case(key, "kms:").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing: a multi-byte character across a prefix's length must not panic.
    #[test]
    fn keys_with_non_ascii_characters_are_not_sliced_inside_a_character() {
        assert_eq!(
            key_type("kms:EncryptionContext\u{11e}ws:cloudtrail:arn"),
            None
        );
        assert_eq!(key_type("aws:PrincipalTa\u{20ac}x"), None);
    }

    #[test]
    fn operators_parse_with_qualifiers() {
        let op = parse_operator("ForAnyValue:StringLikeIfExists").unwrap();
        assert_eq!(op.base, "StringLike");
        assert!(op.if_exists);
        assert_eq!(op.set, Some(SetQualifier::ForAnyValue));
        assert_eq!(
            parse_operator("NullIfExists"),
            Err(OperatorError::IfExistsOnNull)
        );
        assert_eq!(
            parse_operator("StringEqualsExists"),
            Err(OperatorError::Unknown)
        );
        assert_eq!(parse_operator("stringequals"), Err(OperatorError::Unknown));
        assert!(parse_operator("NotIpAddress").unwrap().negated());
    }

    #[test]
    fn keys_are_case_insensitive_and_prefixes_take_suffixes() {
        assert_eq!(key_type("kms:callerAccount"), Some(KeyType::String));
        assert_eq!(
            key_type("kms:EncryptionContext:Department"),
            Some(KeyType::String)
        );
        assert_eq!(key_type("kms:EncryptionContext:"), None);
        assert_eq!(key_type("aws:PrincipalTag/team"), Some(KeyType::String));
        assert_eq!(
            key_type("kms:RecipientAttestation:PCR31"),
            Some(KeyType::String)
        );
        assert_eq!(key_type("kms:RecipientAttestation:PCR32"), None);
        assert_eq!(
            key_type("kms:RecipientAttestation:NitroTPMPCR23"),
            Some(KeyType::String)
        );
        assert_eq!(key_type("kms:RecipientAttestation:NitroTPMPCR24"), None);
        assert_eq!(key_type("kms:CallerAcount"), None);
        assert_eq!(KMS_KEYS.len() + 57, 95);
    }
}
