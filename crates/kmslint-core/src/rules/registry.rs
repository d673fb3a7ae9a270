//! The registry: every rule in code order, what each declares of itself (its `RULE`: code,
//! name, default severity, fix availability, whether it runs by default, its kind), and the
//! metadata its documentation adds (`rules/<CODE>.md`: summary, resource types, text).
//!
//! The `registry!` list below is the one place that orders the rules; it is written by hand
//! (or by `scripts/new-rule`) rather than generated, so that the list reads as the rules do.
//! The declarations are the source of what a rule is; the documentation's front matter
//! repeats them for its readers, and a test here checks that the two agree.

use std::sync::LazyLock;

use serde::Deserialize;

use crate::diagnostic::Severity;
use crate::lookup::{self, RuleName};

use super::Rule;

/// What a rule is, as its file declares it (`pub(crate) const RULE: RuleInfo`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    pub(crate) code: &'static str,
    /// Kebab-case, unique: what users select and suppress it by, besides its code.
    pub(crate) name: &'static str,
    /// The severity of its findings unless the configuration's `[severity]` says otherwise
    /// (a finding may set its own).
    pub(crate) severity: Severity,
    /// The other severities some of its findings take (a finding that sets its own, such as
    /// KMS204's warning when the lockout depends on who deploys): `kmslint rules` lists them
    /// after `severity`, and `tests/fixtures.rs` checks them against the fixtures. The info
    /// note "not checked for …" that any policy rule may give is not one of them
    /// (docs/commands.md, "kmslint rules").
    pub(crate) also: &'static [Severity],
    /// Whether its findings carry a fix: always, sometimes or never (`tests/fixtures.rs`
    /// checks it against the fixtures).
    pub(crate) fix: FixAvailability,
    /// Whether the rule runs when nothing selects rules (`false` makes it opt-in: selected by
    /// code, prefix, name, `ALL`, or `extend-select`). Advisory rules that fire on most real
    /// templates are opt-in, so that a first run shows what a reviewer acts on (see
    /// docs/configuration.md).
    pub(crate) default: bool,
    pub(crate) kind: RuleKind,
}

/// What a rule reads, which decides when it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleKind {
    /// One file.
    File,
    /// One file, and it reports that the file cannot be read as JSON or YAML (KMS001): the
    /// fix loop refuses a fix that adds such a finding, and `kmslint diff` keeps the rule on.
    Parse,
    /// A file against its previous version (`kmslint diff`, `check --since`): runs only when
    /// there is one (KMS5xx).
    Change,
}

macro_rules! registry {
    ($($code:ident => $module:ident :: $rule:ident,)*) => {
        /// Every rule, in code order.
        pub static RULES: &[RuleEntry] = &[
            $(RuleEntry {
                code: stringify!($code),
                info: &super::$module::RULE,
                module: stringify!($module),
                // The rule docs live at the repository root (rules/CODE.md), outside this crate:
                // the path holds inside this repository, not in a crate packaged on its own.
                doc: include_str!(concat!("../../../../rules/", stringify!($code), ".md")),
                rule: &super::$module::$rule,
            },)*
        ];

        /// Every rule's code, name and whether it runs by default, in code order, for
        /// [`crate::lookup`] and the configuration.
        static NAMES: &[RuleName] = &[
            $(RuleName {
                code: super::$module::RULE.code,
                name: super::$module::RULE.name,
                default: super::$module::RULE.default,
            },)*
        ];

        // The code a rule is registered under is the one it declares.
        $(const _: () = assert!(
            same(stringify!($code), super::$module::RULE.code),
            concat!("the registry lists ", stringify!($module), " as ", stringify!($code))
        );)*
    };
}

registry! {
    KMS001 => parse_error::ParseError,
    KMS002 => duplicate_key::DuplicateKey,
    KMS003 => invalid_reference::InvalidReference,
    KMS004 => invalid_property::InvalidProperty,
    KMS005 => ambiguous_boolean::AmbiguousBoolean,
    KMS006 => unused_suppression::UnusedSuppression,
    KMS007 => invalid_suppression::InvalidSuppression,
    KMS008 => mixed_policy::MixedPolicy,
    KMS101 => value_out_of_range::ValueOutOfRange,
    KMS102 => key_spec_usage_mismatch::KeySpecUsageMismatch,
    KMS103 => rotation_unsupported::RotationUnsupported,
    KMS104 => rotation_disabled::RotationDisabled,
    KMS105 => key_deletion_unprotected::KeyDeletionUnprotected,
    KMS106 => sensitive_metadata::SensitiveMetadata,
    KMS107 => invalid_tags::InvalidTags,
    KMS201 => policy_charset::PolicyCharset,
    KMS202 => policy_size::PolicySize,
    KMS203 => principal_missing::PrincipalMissing,
    KMS204 => policy_lockout::PolicyLockout,
    KMS205 => lockout_check_bypassed::LockoutCheckBypassed,
    KMS206 => policy_syntax::PolicySyntax,
    KMS207 => unknown_action::UnknownAction,
    KMS208 => resource_not_wildcard::ResourceNotWildcard,
    KMS209 => invalid_principal::InvalidPrincipal,
    KMS210 => public_key_access::PublicKeyAccess,
    KMS211 => overly_broad_grant::OverlyBroadGrant,
    KMS212 => duplicate_sid::DuplicateSid,
    KMS213 => invalid_condition::InvalidCondition,
    KMS214 => principal_propagation::PrincipalPropagation,
    KMS215 => legacy_policy_version::LegacyPolicyVersion,
    KMS301 => primary_not_multi_region::PrimaryNotMultiRegion,
    KMS302 => replica_same_region::ReplicaSameRegion,
    KMS303 => duplicate_replica::DuplicateReplica,
    KMS304 => invalid_key_arn::InvalidKeyArn,
    KMS305 => cross_account_replica::CrossAccountReplica,
    KMS401 => invalid_alias_name::InvalidAliasName,
    KMS402 => invalid_alias_target::InvalidAliasTarget,
    KMS403 => duplicate_alias::DuplicateAlias,
    KMS501 => immutable_key_property_changed::ImmutableKeyPropertyChanged,
    KMS502 => key_deleted::KeyDeleted,
    KMS503 => key_replaced::KeyReplaced,
    KMS504 => retention_removed::RetentionRemoved,
    KMS505 => consumer_key_changed::ConsumerKeyChanged,
    KMS506 => grant_removed::GrantRemoved,
    KMS507 => access_widened::AccessWidened,
    KMS508 => export_in_use::ExportInUse,
    KMS601 => service_grant_missing::ServiceGrantMissing,
    KMS602 => aws_managed_key_for_service_source::AwsManagedKeyForServiceSource,
    KMS603 => consumer_key_wrong_type::ConsumerKeyWrongType,
    KMS604 => key_disabled_in_use::KeyDisabledInUse,
    KMS605 => consumer_region_mismatch::ConsumerRegionMismatch,
    KMS606 => service_principal_unscoped::ServicePrincipalUnscoped,
    KMS607 => invalid_via_service::InvalidViaService,
    KMS608 => condition_never_matches::ConditionNeverMatches,
    KMS609 => iam_grant_not_delegated::IamGrantNotDelegated,
    KMS610 => unconstrained_create_grant::UnconstrainedCreateGrant,
    KMS611 => service_linked_role_principal::ServiceLinkedRolePrincipal,
    KMS612 => consumer_key_not_a_key::ConsumerKeyNotAKey,
    KMS613 => role_lacks_key_access::RoleLacksKeyAccess,
}

pub struct RuleEntry {
    pub code: &'static str,
    /// What the rule declares of itself.
    pub(crate) info: &'static RuleInfo,
    /// The file in `src/rules/` that implements it.
    pub module: &'static str,
    /// The text of `rules/<CODE>.md`.
    pub doc: &'static str,
    pub(crate) rule: &'static dyn Rule,
}

impl RuleEntry {
    /// The rule's metadata: its declaration, with what its documentation adds. The
    /// documentation is read the first time any rule's is asked for (`kmslint rules`, SARIF's
    /// rule list); linting needs only [`RuleEntry::info`].
    pub fn meta(&self) -> &'static RuleMeta {
        // METAS is built from RULES, which is in code order (a test checks it).
        let index = RULES
            .binary_search_by(|r| r.code.cmp(self.code))
            .expect("every registered rule is in RULES");
        &METAS[index]
    }
}

/// A rule's metadata, from the front matter of its documentation (whose `code`, `name`,
/// `severity`, `fix` and `default` the rule's declaration decides: see [`RuleEntry::meta`]).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMeta {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub summary: String,
    /// Whether its findings carry a fix: always, sometimes or never (`tests/fixtures.rs`
    /// checks it against the fixtures).
    pub fix: FixAvailability,
    #[serde(default)]
    pub resource_types: Vec<String>,
    /// Whether the rule runs when nothing selects rules (front matter `default = false` makes
    /// it opt-in: selected by code, prefix, name, `ALL`, or `extend-select`). Advisory rules
    /// that fire on most real templates are opt-in, so that a first run shows what a reviewer
    /// acts on (see docs/configuration.md).
    #[serde(default = "on_by_default")]
    pub default: bool,
    /// The documentation without its front matter.
    #[serde(skip)]
    pub body: &'static str,
    /// The rule's declared other severities (see [`RuleInfo`]); not in the front matter.
    #[serde(skip)]
    pub also: &'static [Severity],
}

impl RuleMeta {
    /// Every severity the rule's findings take: its default first, then the others.
    pub fn severities(&self) -> impl Iterator<Item = Severity> + '_ {
        std::iter::once(self.severity).chain(self.also.iter().copied())
    }
}

fn on_by_default() -> bool {
    true
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FixAvailability {
    Always,
    Sometimes,
    Never,
}

impl FixAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::Always => "always",
            FixAvailability::Sometimes => "sometimes",
            FixAvailability::Never => "never",
        }
    }
}

static METAS: LazyLock<Vec<RuleMeta>> = LazyLock::new(|| {
    RULES
        .iter()
        .map(|entry| {
            let mut meta =
                parse_doc(entry.doc).unwrap_or_else(|e| panic!("rules/{}.md: {e}", entry.code));
            // What the rule declares wins (a test checks the front matter says the same).
            let info = entry.info;
            meta.code = info.code.to_owned();
            meta.name = info.name.to_owned();
            meta.severity = info.severity;
            meta.also = info.also;
            meta.fix = info.fix;
            meta.default = info.default;
            meta
        })
        .collect()
});

/// Splits `+++` front matter from a rule's documentation.
pub fn parse_doc(doc: &'static str) -> Result<RuleMeta, DocError> {
    let rest = doc.strip_prefix("+++\n").ok_or(DocError::NoFrontMatter)?;
    let end = rest.find("\n+++\n").ok_or(DocError::Unclosed)?;
    let front = &rest[..end];
    let mut meta = match plain_front_matter(front) {
        Some(meta) => meta,
        None => toml::from_str(front).map_err(DocError::Toml)?,
    };
    meta.body = rest[end + 5..].trim_start();
    Ok(meta)
}

/// Why a rule's documentation has no front matter [`parse_doc`] can read.
#[derive(Debug)]
pub enum DocError {
    /// The file does not start with `+++`.
    NoFrontMatter,
    /// No `+++` line closes the front matter.
    Unclosed,
    /// The front matter is not the TOML of a [`RuleMeta`].
    Toml(toml::de::Error),
}

impl std::fmt::Display for DocError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DocError::NoFrontMatter => f.write_str("the file must start with `+++` front matter"),
            DocError::Unclosed => f.write_str("the front matter has no closing `+++`"),
            DocError::Toml(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for DocError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DocError::Toml(e) => Some(e),
            DocError::NoFrontMatter | DocError::Unclosed => None,
        }
    }
}

/// The front matter as every rule writes it (`key = "text"` lines, and `resource_types` as
/// a one-line list of such strings), read without the TOML parser: every run reads all of
/// them, and TOML took a tenth of the instructions of a small lint. `None` for anything else
/// (escapes, other keys, a key twice, one missing), which TOML then reads or rejects.
fn plain_front_matter(front: &'static str) -> Option<RuleMeta> {
    use serde::de::IntoDeserializer;
    use serde::de::value::Error;
    fn plain(text: &str) -> Option<&str> {
        let inner = text.strip_prefix('"')?.strip_suffix('"')?;
        (!inner.contains(['"', '\\'])).then_some(inner)
    }
    let (mut code, mut name, mut severity, mut summary, mut fix, mut types) =
        (None, None, None, None, None, None);
    let mut default = None;
    for line in front.lines() {
        let (key, value) = line.split_once(" = ")?;
        let slot = match key {
            // `default = false` (opt-in rules) is the one key that is not a string.
            "default" => {
                let on = match value {
                    "true" => true,
                    "false" => false,
                    _ => return None,
                };
                if default.replace(on).is_some() {
                    return None;
                }
                continue;
            }
            "code" => &mut code,
            "name" => &mut name,
            "severity" => &mut severity,
            "summary" => &mut summary,
            "fix" => &mut fix,
            "resource_types" => {
                let list = value.strip_prefix('[')?.strip_suffix(']')?;
                let items = if list.is_empty() {
                    Vec::new()
                } else {
                    list.split(", ")
                        .map(|item| plain(item).map(str::to_owned))
                        .collect::<Option<Vec<_>>>()?
                };
                if types.replace(items).is_some() {
                    return None;
                }
                continue;
            }
            _ => return None,
        };
        if slot.replace(plain(value)?).is_some() {
            return None;
        }
    }
    Some(RuleMeta {
        code: code?.to_owned(),
        name: name?.to_owned(),
        severity: Severity::deserialize(severity?.into_deserializer())
            .map_err(|_: Error| ())
            .ok()?,
        summary: summary?.to_owned(),
        fix: FixAvailability::deserialize(fix?.into_deserializer())
            .map_err(|_: Error| ())
            .ok()?,
        resource_types: types.unwrap_or_default(),
        default: default.unwrap_or_else(on_by_default),
        body: "",
        also: &[],
    })
}

pub(crate) fn meta(code: &str) -> Option<&'static RuleInfo> {
    // RULES is in code order (a test checks it): a binary search.
    RULES
        .binary_search_by(|r| r.code.cmp(code))
        .ok()
        .map(|i| RULES[i].info)
}

/// The kind of the rule with this exact code.
pub fn kind(code: &str) -> Option<RuleKind> {
    meta(code).map(|r| r.kind)
}

/// Whether `code` is a change rule's: they run only when there is a previous version.
pub fn is_change(code: &str) -> bool {
    kind(code) == Some(RuleKind::Change)
}

/// Every rule's code, name and whether it runs by default, in code order, for
/// [`crate::lookup`] and the configuration.
pub fn names() -> &'static [RuleName] {
    NAMES
}

/// Whether two strings are equal, at compile time (the registry's check of codes).
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A rule by code or name.
pub fn find(code_or_name: &str) -> Option<&'static RuleEntry> {
    let code = lookup::find(names(), code_or_name)?.code;
    RULES.iter().find(|r| r.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick reading of the front matter gives what TOML gives, for every rule it reads
    /// (all but those with an escape in a string, which go to TOML).
    #[test]
    fn plain_front_matter_reads_the_rules_as_toml_does() {
        let mut plain = 0;
        for entry in RULES {
            let rest = entry.doc.strip_prefix("+++\n").expect("front matter");
            let front = &rest[..rest.find("\n+++\n").expect("closing +++")];
            let full: RuleMeta = toml::from_str(front).expect("valid TOML");
            let Some(quick) = plain_front_matter(front) else {
                assert!(front.contains('\\'), "{}", entry.code);
                continue;
            };
            plain += 1;
            assert_eq!(
                (
                    &quick.code,
                    &quick.name,
                    quick.severity,
                    &quick.summary,
                    quick.fix,
                    &quick.resource_types,
                    quick.default
                ),
                (
                    &full.code,
                    &full.name,
                    full.severity,
                    &full.summary,
                    full.fix,
                    &full.resource_types,
                    full.default
                ),
            );
        }
        assert!(plain + 3 >= RULES.len(), "{plain} of {}", RULES.len());
        for odd in [
            "code = \"K\"\nname = \"n\"\nseverity = \"error\"\nsummary = \"s\"",
            "code = \"K\"\ncode = \"K\"\nname = \"n\"\nseverity = \"error\"\nsummary = \"s\"\nfix = \"never\"",
            "code = \"K\\\"\"\nname = \"n\"\nseverity = \"error\"\nsummary = \"s\"\nfix = \"never\"",
            "code = \"K\"\nname = \"n\"\nseverity = \"fatal\"\nsummary = \"s\"\nfix = \"never\"",
            "code = \"K\"\nname = \"n\"\nseverity = \"error\"\nsummary = \"s\"\nfix = \"never\"\nextra = \"x\"",
        ] {
            assert!(plain_front_matter(odd).is_none(), "{odd}");
        }
    }

    /// `meta` finds rules by binary search, which needs the registry in code order.
    #[test]
    fn the_registry_is_in_code_order_and_every_rule_has_metadata() {
        assert!(RULES.windows(2).all(|w| w[0].code < w[1].code));
        for entry in RULES {
            assert_eq!(meta(entry.code).map(|m| m.code), Some(entry.code));
            assert_eq!(entry.meta().code, entry.code);
        }
        assert!(meta("KMS999").is_none());
    }

    /// The front matter of each rule's documentation repeats what the rule declares; a
    /// difference would show one thing in `kmslint rule` and do another.
    #[test]
    fn the_front_matter_agrees_with_the_declarations() {
        let mut problems = Vec::new();
        for entry in RULES {
            let doc = match parse_doc(entry.doc) {
                Ok(doc) => doc,
                Err(e) => {
                    problems.push(format!("rules/{}.md: {e}", entry.code));
                    continue;
                }
            };
            let info = entry.info;
            let front = (
                doc.code.as_str(),
                doc.name.as_str(),
                doc.severity,
                doc.fix,
                doc.default,
            );
            let declared = (info.code, info.name, info.severity, info.fix, info.default);
            if front != declared {
                problems.push(format!(
                    "rules/{}.md says {front:?}, {}.rs declares {declared:?}",
                    entry.code, entry.module
                ));
            }
        }
        assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    }

    /// The kinds that decide when a rule runs: KMS001 alone reports a file that does not
    /// parse, and the change rules are the KMS5xx.
    #[test]
    fn the_kinds_are_declared() {
        for entry in RULES {
            let expected = match entry.code {
                "KMS001" => RuleKind::Parse,
                code if code.starts_with("KMS5") => RuleKind::Change,
                _ => RuleKind::File,
            };
            assert_eq!(entry.info.kind, expected, "{}", entry.code);
        }
        assert!(is_change("KMS506") && !is_change("KMS601") && !is_change("KMS999"));
        assert_eq!(kind("KMS001"), Some(RuleKind::Parse));
    }
}
