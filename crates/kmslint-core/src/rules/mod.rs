//! The rules, one file each, and what they share: the registry, the context a rule reads,
//! and the reporter it writes to.
//!
//! Adding a rule touches three places: `src/rules/<name>.rs` (with one line in the registry
//! below), `rules/<CODE>.md` (metadata and documentation) and `fixtures/<CODE>/`. The tests
//! in `tests/rule_docs.rs` and `tests/fixtures.rs` fail when one of them is missing.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

#[cfg(feature = "parallel")]
use rayon::prelude::*;

use serde::Deserialize;

use crate::config::Settings;
use crate::diagnostic::{Diagnostic, Related, Severity};
use crate::fix::Fix;
use crate::fix::edit::Editor;
use crate::lookup::{self, RuleName};
use crate::model::conditions::{MAX_ATOMS, TooManyConditions};
use crate::model::consumers::{ConsumerIndex, KeyUses, Publication};
use crate::model::kind::MixedPolicy;
use crate::model::principal::Deployment;
use crate::model::value::{
    Cut, Env, MAX_DEPTH, MESSAGE_WIDTH, Resolver, abbreviate, describe_when, watch_cuts,
};
use crate::model::{Conditions, DocumentKind, EmbeddedPolicy, KeyPolicy, PolicySource, Template};
use crate::source::{Format, LoadProblem, Node, Position, Span};

/// A rule's logic. Metadata lives in `rules/<CODE>.md`.
pub(crate) trait Rule: Sync {
    /// Checks the document as a whole.
    fn check(&self, _cx: &Context<'_, '_>, _out: &mut Reporter) {}

    /// Checks one key policy in one scenario (one combination of the conditions its
    /// `Fn::If`s use). Findings that occur only in some scenarios are labelled with the
    /// conditions that lead to them.
    fn check_policy(
        &self,
        _cx: &Context<'_, '_>,
        _policy: &PolicyCheck<'_, '_>,
        _out: &mut Reporter,
    ) {
    }

    /// What `check_policy` looks at, so that only the conditions bearing on it are
    /// enumerated.
    fn policy_scope(&self) -> PolicyScope {
        PolicyScope::Statements
    }

    /// Whether the rule reads `Context::consumers` (which resources use which key): worked out
    /// for a file only when a rule that reads it runs.
    fn reads_consumers(&self) -> bool {
        false
    }

    /// Checks a change: the file against its previous version (`kmslint diff`, `check
    /// --since`). Only the change rules (KMS5xx) implement it, and they implement nothing else.
    fn check_change(&self, _cx: &ChangeContext<'_, '_, '_>, _out: &mut Reporter) {}
}

/// Whether `code` is a change rule's (KMS5xx): they run only when there is a previous version.
pub(crate) fn is_change(code: &str) -> bool {
    code.starts_with("KMS5")
}

/// Which statements of a key policy one finding of a rule can depend on.
pub enum PolicyScope {
    /// One statement at a time, with the document's own elements (`Version`).
    Statements,
    /// Statements together: those the function picks bear on the check.
    Policy(BearsOn),
}

/// Picks, from the items of a `Statement` list as written, the indexes of those that bear on
/// a check.
pub(crate) type BearsOn = fn(&[Node<'_>]) -> Vec<usize>;

pub(crate) mod change;
pub(crate) mod common;
pub(crate) mod key_config;
pub(crate) mod key_use;

// The rule modules, declared here rather than by `registry!` so that rustfmt sees them (it
// does not format modules declared inside a macro). A module left out of the registry is
// dead code, which the lints reject.
mod ambiguous_boolean;
mod aws_managed_key_for_service_source;
mod condition_never_matches;
mod consumer_key_changed;
mod consumer_key_not_a_key;
mod consumer_key_wrong_type;
mod consumer_region_mismatch;
mod cross_account_replica;
mod duplicate_alias;
mod duplicate_key;
mod duplicate_replica;
mod duplicate_sid;
mod grant_removed;
mod iam_grant_not_delegated;
mod immutable_key_property_changed;
mod invalid_alias_name;
mod invalid_alias_target;
mod invalid_condition;
mod invalid_key_arn;
mod invalid_principal;
mod invalid_property;
mod invalid_reference;
mod invalid_suppression;
mod invalid_tags;
mod invalid_via_service;
mod key_deleted;
mod key_deletion_unprotected;
mod key_disabled_in_use;
mod key_replaced;
mod key_spec_usage_mismatch;
mod legacy_policy_version;
mod lockout_check_bypassed;
mod mixed_policy;
mod overly_broad_grant;
mod parse_error;
mod policy_charset;
mod policy_lockout;
mod policy_size;
mod policy_syntax;
mod primary_not_multi_region;
mod principal_missing;
mod principal_propagation;
mod public_key_access;
mod replica_same_region;
mod resource_not_wildcard;
mod retention_removed;
mod rotation_disabled;
mod rotation_unsupported;
mod sensitive_metadata;
mod service_grant_missing;
mod service_linked_role_principal;
mod service_principal_unscoped;
mod unconstrained_create_grant;
mod unknown_action;
mod unused_suppression;
mod value_out_of_range;

macro_rules! registry {
    ($($code:ident => $module:ident :: $rule:ident,)*) => {
        /// Every rule, in code order.
        pub static RULES: &[RuleEntry] = &[
            $(RuleEntry {
                code: stringify!($code),
                module: stringify!($module),
                // The rule docs live at the repository root (rules/CODE.md), outside this crate:
                // the path holds inside this repository, not in a crate packaged on its own.
                doc: include_str!(concat!("../../../../rules/", stringify!($code), ".md")),
                rule: &$module::$rule,
            },)*
        ];
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
}

pub struct RuleEntry {
    pub code: &'static str,
    /// The file in `src/rules/` that implements it.
    pub module: &'static str,
    /// The text of `rules/<CODE>.md`.
    pub doc: &'static str,
    pub(crate) rule: &'static dyn Rule,
}

impl RuleEntry {
    pub fn meta(&self) -> &'static RuleMeta {
        // METAS is built from RULES in order: an entry of RULES finds its metadata at its own
        // index, without a search (this runs for every rule on every policy and scenario).
        let index = (self as *const RuleEntry as usize).wrapping_sub(RULES.as_ptr() as usize)
            / std::mem::size_of::<RuleEntry>();
        match METAS.get(index) {
            Some(meta) if meta.code == self.code => meta,
            _ => meta(self.code).expect("every registered rule has metadata"),
        }
    }
}

/// A rule's metadata, from the front matter of its documentation.
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
    /// acts on (see the README's configuration section).
    #[serde(default = "on_by_default")]
    pub default: bool,
    /// The documentation without its front matter.
    #[serde(skip)]
    pub body: &'static str,
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
            parse_doc(entry.doc).unwrap_or_else(|e| panic!("rules/{}.md: {e}", entry.code))
        })
        .collect()
});

/// Splits `+++` front matter from a rule's documentation.
pub fn parse_doc(doc: &'static str) -> Result<RuleMeta, String> {
    let rest = doc
        .strip_prefix("+++\n")
        .ok_or("the file must start with `+++` front matter")?;
    let end = rest
        .find("\n+++\n")
        .ok_or("the front matter has no closing `+++`")?;
    let front = &rest[..end];
    let mut meta = match plain_front_matter(front) {
        Some(meta) => meta,
        None => toml::from_str(front).map_err(|e| e.to_string())?,
    };
    meta.body = rest[end + 5..].trim_start();
    Ok(meta)
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
    })
}

pub(crate) fn meta(code: &str) -> Option<&'static RuleMeta> {
    // RULES, and so METAS, are in code order (a test checks it): a binary search, since
    // this runs for every rule on every policy.
    METAS
        .binary_search_by(|m| m.code.as_str().cmp(code))
        .ok()
        .map(|i| &METAS[i])
}

/// Every rule's code, name and whether it runs by default, in code order, for
/// [`crate::lookup`] and the configuration.
pub fn names() -> &'static [RuleName] {
    static NAMES: LazyLock<Vec<RuleName>> = LazyLock::new(|| {
        RULES
            .iter()
            .map(|r| RuleName {
                code: r.code,
                name: r.meta().name.as_str(),
                default: r.meta().default,
            })
            .collect()
    });
    &NAMES
}

/// A rule by code or name.
pub fn find(code_or_name: &str) -> Option<&'static RuleEntry> {
    let code = lookup::find(names(), code_or_name)?.code;
    RULES.iter().find(|r| r.code == code)
}

/// Everything a rule can read about the file.
pub(crate) struct Context<'a, 't> {
    pub text: &'t str,
    /// How the file is written, and what it is (unknown when it did not parse).
    pub format: Format,
    pub kind: Option<DocumentKind>,
    pub template: Option<&'a Template<'t>>,
    pub env: &'a Env<'t>,
    pub conditions: &'a Conditions<'t>,
    pub policies: &'a [PolicySource<'t>],
    pub embedded: &'t [EmbeddedPolicy<'t>],
    /// For a policy document not read as a key policy because its statements are of two
    /// kinds: why (KMS008 says it).
    pub mixed_policy: Option<&'a MixedPolicy>,
    pub load_problems: &'a [LoadProblem],
    pub settings: &'a Settings,
    /// Writes fixes' edits the way the file is written.
    pub editor: &'a Editor<'t>,
    /// Which resources use which key: what the cross-resource rules ask for every key
    /// policy, worked out once per file.
    pub consumers: &'a ConsumerIndex<'t>,
}

/// Whether any rule that runs with `settings` reads `Context::consumers`.
pub(crate) fn consumers_read(settings: &Settings) -> bool {
    RULES
        .iter()
        .any(|r| r.rule.reads_consumers() && settings.rules.enabled(r.code))
}

/// Every key property the cross-resource rules read: the consumers of the generated table,
/// those that need a service grant, encrypted topics and queues, and secrets.
pub(crate) fn consumer_paths() -> impl Iterator<Item = (&'static str, &'static str)> {
    use crate::facts::consumers::{ENCRYPTED_TARGETS, SERVICE_GRANTS};
    crate::facts::key_consumers::consumers()
        .map(|c| (c.resource_type, c.path))
        .chain(SERVICE_GRANTS.iter().map(|g| (g.resource_type, g.property)))
        .chain(ENCRYPTED_TARGETS.iter().copied())
        .chain([("AWS::SecretsManager::Secret", "KmsKeyId")])
}

impl<'a, 't> Context<'a, 't> {
    pub(crate) fn resolver(&self) -> Resolver<'a, 't> {
        Resolver::new(self.env)
    }

    /// What the command line and configuration say of the stack's account, partition and
    /// Region.
    pub fn deployment(&self) -> Deployment<'a> {
        Deployment {
            account: self.env.account,
            partition: self.env.partition.map(|p| p.name),
            region: self.env.region,
        }
    }

    /// Every value of `path` (dotted, `[]` for list items) on the resources of
    /// `resource_type`, with the key each names (see `model::consumers`), worked out once
    /// per file for the properties of [`consumer_paths`].
    pub(crate) fn key_uses(&self, resource_type: &str, path: &str) -> &'a KeyUses<'t> {
        self.consumers.uses(resource_type, path)
    }

    /// Every topic or queue of the template an AWS service of the template sends to.
    pub(crate) fn publications(&self) -> &'a [Publication<'t>] {
        &self.consumers.publications
    }

    /// The type of a resource in the template, by logical ID.
    pub(crate) fn resource_type(&self, name: &str) -> Option<&'t str> {
        self.template?.resource(name)?.type_name
    }
}

/// What a change rule reads: both versions of the file, and which resource of one is which
/// of the other.
pub(crate) struct ChangeContext<'a, 'o, 'n> {
    /// The previous version's name, for related locations in it.
    pub old_name: &'a str,
    pub old: &'a Context<'a, 'o>,
    pub new: &'a Context<'a, 'n>,
    /// The new version's findings (before suppressions), for a change rule that compares
    /// another rule's findings on both versions.
    pub new_found: &'a [Diagnostic],
    pub old_lines: &'a crate::source::LineIndex,
    pub matching: &'a crate::model::change::Matching<'a, 'o, 'n>,
}

impl ChangeContext<'_, '_, '_> {
    /// Adds the place `span` of the previous version to `diagnostic`.
    pub(crate) fn related_old(
        &self,
        diagnostic: &mut Diagnostic,
        span: Span,
        message: impl Into<String>,
    ) {
        diagnostic.with_related_in(self.old_name, self.old.text, self.old_lines, span, message);
    }
}

/// Runs the enabled change rules on a file (`new`) and its previous version (`old`).
pub(crate) fn run_change(
    old_name: &str,
    old: &Context<'_, '_>,
    new: &Context<'_, '_>,
    new_found: &[Diagnostic],
) -> Vec<Diagnostic> {
    let rules: Vec<&RuleEntry> = RULES
        .iter()
        .filter(|entry| is_change(entry.code) && new.settings.rules.enabled(entry.code))
        .collect();
    let (Some(old_template), Some(new_template)) = (old.template, new.template) else {
        return Vec::new();
    };
    if rules.is_empty() {
        return Vec::new();
    }
    let old_lines = crate::source::LineIndex::new(old.text);
    let matching = crate::model::change::Matching::new(
        crate::model::change::Version {
            template: old_template,
            embedded: old.embedded,
            env: old.env,
            conditions: old.conditions,
        },
        crate::model::change::Version {
            template: new_template,
            embedded: new.embedded,
            env: new.env,
            conditions: new.conditions,
        },
    );
    let cx = ChangeContext {
        old_name,
        old,
        new,
        new_found,
        old_lines: &old_lines,
        matching: &matching,
    };
    let mut all: Vec<Diagnostic> = Vec::new();
    for entry in rules {
        let mut out = Reporter::new(entry.meta());
        let ((), cut) = watch_cuts(|| entry.rule.check_change(&cx, &mut out));
        all.extend(out.into_diagnostics());
        match (cut.iter().find(|c| c.in_file(new.env)), cut.first()) {
            (Some(cut), _) => all.push(note(entry, None, cut.span, &Why::TooDeep)),
            // Only the previous version's value was cut: shown there, from the start of this one.
            (None, Some(cut)) => {
                let mut d = note(entry, None, Span::default(), &Why::TooDeep);
                cx.related_old(&mut d, cut.span, "the value nested too deep to read");
                all.push(d);
            }
            (None, None) => {}
        }
    }
    finish(new.settings, &mut all);
    all
}

/// One key policy in one scenario.
pub(crate) struct PolicyCheck<'p, 't> {
    pub source: &'p PolicySource<'t>,
    pub policy: &'p KeyPolicy<'t>,
    /// The values of the conditions this scenario fixes, for rules that relate the policy to
    /// other resources (whose own `Fn::If`s must agree with it).
    pub scenario: &'p [(&'t str, bool)],
}

/// Collects a rule's findings, stamping its code, name and severity.
pub(crate) struct Reporter {
    meta: &'static RuleMeta,
    diagnostics: Vec<Diagnostic>,
}

impl Reporter {
    pub fn new(meta: &'static RuleMeta) -> Reporter {
        Reporter {
            meta,
            diagnostics: Vec::new(),
        }
    }

    /// Reports a finding at `span` with the rule's default severity.
    pub fn report(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics.push(Diagnostic {
            code: self.meta.code.as_str(),
            name: self.meta.name.as_str(),
            severity: self.meta.severity,
            message: message.into(),
            span,
            resource: None,
            pointer: String::new(),
            stable_pointer: String::new(),
            help: None,
            related: Vec::new(),
            fix: None,
            start: Position::default(),
            end: Position::default(),
        });
        self.diagnostics.last_mut().expect("just pushed")
    }

    pub(crate) fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}

impl Diagnostic {
    pub(crate) fn with_help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn with_related(&mut self, span: Span, message: impl Into<String>) -> &mut Self {
        self.related.push(Related::new(span, message));
        self
    }

    pub(crate) fn with_severity(&mut self, severity: Severity) -> &mut Self {
        self.severity = severity;
        self
    }

    /// Offers `fix` (nothing when the rule could not write its edits).
    pub(crate) fn with_fix(&mut self, fix: Option<Fix>) -> &mut Self {
        self.fix = fix;
        self
    }

    pub(crate) fn with_resource(&mut self, resource: &str) -> &mut Self {
        self.resource = Some(resource.to_owned());
        self
    }
}

/// Runs every enabled rule over the file.
pub(crate) fn run(cx: &Context<'_, '_>) -> Vec<Diagnostic> {
    let rules: Vec<&RuleEntry> = RULES
        .iter()
        .filter(|entry| cx.settings.rules.enabled(entry.code))
        .collect();
    let whole_file = |entry: &&RuleEntry| {
        let mut out = Reporter::new(entry.meta());
        let ((), cut) = watch_cuts(|| entry.rule.check(cx, &mut out));
        let mut found = out.into_diagnostics();
        found.extend(
            cut.first()
                .map(|cut| note(entry, None, cut.span, &Why::TooDeep)),
        );
        found
    };
    // Each key policy is built, checked by every rule and dropped before the next: holding
    // the model of thousands of policies at once would cost more memory than the tree. Only
    // the rules that check policies are asked (and said not to have checked, past a limit).
    let policy_rules: Vec<&RuleEntry> = rules
        .iter()
        .copied()
        .filter(|entry| POLICY_RULES.contains(&entry.module))
        .collect();
    let one_policy = |source: &PolicySource<'_>| {
        if policy_rules.is_empty() {
            Vec::new()
        } else {
            check_policy(cx, &policy_rules, source)
        }
    };
    type Found = (Vec<Vec<Diagnostic>>, Vec<Vec<Diagnostic>>);
    let in_turn = || -> Found {
        (
            rules.iter().map(whole_file).collect(),
            cx.policies.iter().map(one_policy).collect(),
        )
    };
    // With the `parallel` feature (the command line turns it on), a big file is linted by
    // several threads: its rules, and its key policies, run in parallel (a lone 10 MB
    // template otherwise keeps one core busy while the others wait). Small files are many,
    // and already spread over the threads by the command line. Without it, all run in turn.
    #[cfg(feature = "parallel")]
    let (mut found, per_policy): Found = if cx.text.len() >= PARALLEL_FROM_BYTES {
        rayon::join(
            || rules.par_iter().map(whole_file).collect(),
            || cx.policies.par_iter().map(one_policy).collect(),
        )
    } else {
        in_turn()
    };
    #[cfg(not(feature = "parallel"))]
    let (mut found, per_policy): Found = in_turn();
    found.extend(per_policy);
    // The order is fixed whatever the threads did (`finish` sorts by position as well).
    let mut all: Vec<Diagnostic> = found.into_iter().flatten().collect();
    finish(cx.settings, &mut all);
    all
}

/// What every finding goes through once its rule has made it, whichever rule or step that
/// is (rules here, KMS006 and KMS007 in `suppress`): the `[severity]` overrides of the
/// configuration, and quotes too long for a line abbreviated.
pub(crate) fn finish(settings: &Settings, diagnostics: &mut [Diagnostic]) {
    apply_severities(settings, diagnostics);
    for d in diagnostics {
        shorten_quotes(&mut d.message);
        if let Some(help) = &mut d.help {
            shorten_quotes(help);
        }
        for related in &mut d.related {
            shorten_quotes(&mut related.message);
        }
    }
}

/// Quotes (text between backticks) longer than a line, abbreviated, whichever rule wrote them:
/// a huge value in a file must not make a huge message. Most rules abbreviate values
/// themselves; this is the net under all of them.
fn shorten_quotes(text: &mut String) {
    if text.len() <= 2 * MESSAGE_WIDTH {
        return;
    }
    let mut out = String::with_capacity(text.len().min(8 * MESSAGE_WIDTH));
    for (i, part) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        // Odd parts are inside backticks.
        if i % 2 == 1 {
            out.push_str(&abbreviate(part));
        } else {
            out.push_str(part);
        }
    }
    *text = out;
}

/// The `[severity]` overrides of the configuration, for findings of any rule.
fn apply_severities(settings: &Settings, diagnostics: &mut [Diagnostic]) {
    if settings.rules.severity.is_empty() {
        return;
    }
    for d in diagnostics {
        if let Some(&severity) = settings.rules.severity.get(d.code) {
            d.severity = severity;
        }
    }
}

/// The modules of the rules that implement [`Rule::check_policy`] (a test checks the list
/// against their source).
const POLICY_RULES: &[&str] = &[
    "condition_never_matches",
    "consumer_region_mismatch",
    "duplicate_sid",
    "iam_grant_not_delegated",
    "invalid_condition",
    "invalid_principal",
    "invalid_via_service",
    "legacy_policy_version",
    "overly_broad_grant",
    "policy_lockout",
    "policy_syntax",
    "principal_missing",
    "principal_propagation",
    "public_key_access",
    "resource_not_wildcard",
    "service_grant_missing",
    "service_linked_role_principal",
    "service_principal_unscoped",
    "unconstrained_create_grant",
    "unknown_action",
];

/// Files from this size up are linted with parallel rules (see [`run`]).
#[cfg(feature = "parallel")]
const PARALLEL_FROM_BYTES: usize = 256 * 1024;

/// Policies whose conditions give more scenarios than this are checked question by question
/// (see [`check_policy`]).
const WHOLE_POLICY_SCENARIOS: usize = 64;

/// The most statement models one question may build (scenarios × statements built in
/// each): past it the question is reported as not checked, so work stays in proportion to
/// the input whatever its conditions.
const MAX_STATEMENT_BUILDS: usize = 1 << 17;

/// Runs the policy rules on one key policy.
///
/// A finding depends on the conditions of the statements it is about, not on every `Fn::If`
/// in the policy. A policy with few scenarios is checked in each of them at once. Past
/// that, each question enumerates only its own conditions: a statement's own checks run on
/// the policy built with that statement alone, in the scenarios of its conditions, and a
/// check of statements together ([`PolicyScope::Policy`]) on the statements that bear on
/// it. Labels then name only conditions that matter, and none are lost to a sample. A
/// question whose conditions alone exceed the limit is reported as not checked (info).
fn check_policy(
    cx: &Context<'_, '_>,
    rules: &[&RuleEntry],
    source: &PolicySource<'_>,
) -> Vec<Diagnostic> {
    let items = statement_items(source);
    let all: Vec<usize> = (0..source.conditions.statements.len()).collect();
    let whole = cx
        .conditions
        .scenarios(&source.conditions.for_statements(&all));
    if let Ok(scenarios) = &whole
        && scenarios.len() <= WHOLE_POLICY_SCENARIOS
    {
        let at = statement_key(source);
        if !spend(cx, scenarios.len(), items.len()) {
            return rules
                .iter()
                .map(|entry| not_checked(entry, source, at, &Why::Budget))
                .collect();
        }
        return run_in_scenarios(cx, rules, source, scenarios, None);
    }
    let mut found: Vec<Diagnostic> = Vec::new();
    let mut seen: HashSet<(&'static str, Span, String)> = HashSet::new();
    let mut add = |diagnostics: Vec<Diagnostic>, found: &mut Vec<Diagnostic>| {
        for d in diagnostics {
            // The document's own findings (`Version`) come from every statement's views.
            if seen.insert((d.code, d.span, d.message.clone())) {
                found.push(d);
            }
        }
    };
    let mut per_statement: Vec<&RuleEntry> = Vec::new();
    let mut together: Vec<(&RuleEntry, BearsOn)> = Vec::new();
    for &entry in rules {
        match entry.rule.policy_scope() {
            PolicyScope::Statements => per_statement.push(entry),
            PolicyScope::Policy(bears_on) => together.push((entry, bears_on)),
        }
    }
    if !per_statement.is_empty() {
        for &i in &all {
            let only = [i];
            let at = items.get(i).map_or(source.root.span, |n| n.span);
            match ask(cx, &per_statement, source, &only, at) {
                Ok(diagnostics) => add(diagnostics, &mut found),
                Err(notes) => found.extend(notes),
            }
        }
    }
    let at = statement_key(source);
    // Rules whose questions bear on the same statements (KMS601 and KMS609 both read them
    // all) share one pass over the scenarios: each model is built once for all of them.
    // Only neighbours are grouped, so findings come out in the same order as one by one.
    let mut groups: Vec<(Vec<&RuleEntry>, Vec<usize>)> = Vec::new();
    for (entry, bears_on) in together {
        let only = bears_on(items);
        match groups.last_mut() {
            Some((entries, same)) if *same == only => entries.push(entry),
            _ => groups.push((vec![entry], only)),
        }
    }
    for (entries, only) in groups {
        match ask(cx, &entries, source, &only, at) {
            Ok(diagnostics) => add(diagnostics, &mut found),
            Err(notes) => found.extend(notes),
        }
    }
    found
}

/// One question of [`check_policy`]: `entries` on the statements `only`, in the scenarios of
/// their conditions. `Err` holds the not-checked notes (at `at`) when there are too many
/// scenarios to build, or the file's budget is spent.
fn ask<'t>(
    cx: &Context<'_, 't>,
    entries: &[&RuleEntry],
    source: &PolicySource<'t>,
    only: &[usize],
    at: Span,
) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    let why = match cx
        .conditions
        .scenarios(&source.conditions.for_statements(only))
    {
        Ok(scenarios) if scenarios.len() * only.len().max(1) <= MAX_STATEMENT_BUILDS => {
            if spend(cx, scenarios.len(), only.len()) {
                return Ok(run_in_scenarios(
                    cx,
                    entries,
                    source,
                    &scenarios,
                    Some(only),
                ));
            }
            Why::Budget
        }
        too_many => Why::from(too_many),
    };
    Err(entries
        .iter()
        .map(|entry| not_checked(entry, source, at, &why))
        .collect())
}

/// Takes the work of a question from the file's budget (see [`Conditions::spend`]): its
/// statement models, when its conditions make more than one scenario. A question without
/// conditions is one model, in proportion to the input, and is never refused (a key policy
/// file of 100,000 statements is checked as before).
fn spend(cx: &Context<'_, '_>, scenarios: usize, statements: usize) -> bool {
    scenarios <= 1
        || cx
            .conditions
            .spend(scenarios.saturating_mul(statements.max(1)))
}

/// Where a finding about the policy's statements together is reported: its `Statement` key.
fn statement_key(source: &PolicySource<'_>) -> Span {
    source
        .root
        .entry("Statement")
        .map_or(source.root.span, |e| e.key_span)
}

/// Why a check of a key policy was not made.
pub(crate) enum Why {
    /// Its conditions vary over more independent values than are enumerated.
    TooManyConditions(TooManyConditions),
    /// Its statements would have to be built in this many scenarios.
    TooManyScenarios(usize),
    /// The file's questions have used up its budget of statement models.
    Budget,
    /// A value it reads is nested deeper than values are resolved.
    TooDeep,
}

impl From<Result<Vec<Vec<(&str, bool)>>, TooManyConditions>> for Why {
    fn from(scenarios: Result<Vec<Vec<(&str, bool)>>, TooManyConditions>) -> Why {
        match scenarios {
            Err(too_many) => Why::TooManyConditions(too_many),
            Ok(scenarios) => Why::TooManyScenarios(scenarios.len()),
        }
    }
}

/// The items of the policy's `Statement` list, as written.
fn statement_items<'t>(source: &PolicySource<'t>) -> &'t [Node<'t>] {
    source
        .root
        .get("Statement")
        .and_then(Node::as_seq)
        .unwrap_or_default()
}

/// The info finding for a check that was not made: its conditions have too many scenarios,
/// building the policy in each would be too much work, or the file's other questions took
/// all the work it may cost.
fn not_checked(entry: &RuleEntry, source: &PolicySource<'_>, at: Span, why: &Why) -> Diagnostic {
    note(entry, source.resource.map(|(name, _)| name), at, why)
}

/// The info finding for a check `entry` did not make, at `at`, about `resource`.
fn note(entry: &RuleEntry, resource: Option<&str>, at: Span, why: &Why) -> Diagnostic {
    let meta = entry.meta();
    let reason = match why {
        Why::TooManyConditions(too_many) => format!(
            "the `Fn::If` conditions it depends on vary over {} independent values, more than the {MAX_ATOMS} kmslint enumerates",
            too_many.variables
        ),
        Why::TooManyScenarios(count) => format!(
            "its statements would have to be read in {count} combinations of their `Fn::If` conditions, more than kmslint does for one check"
        ),
        Why::Budget => "the key policies of this file have used up the work kmslint spends on combinations of `Fn::If` conditions in one file".to_owned(),
        Why::TooDeep => format!(
            "a value it reads has intrinsic functions nested more than {MAX_DEPTH} deep, deeper than kmslint resolves"
        ),
    };
    let help = match why {
        Why::TooDeep => {
            "nest fewer functions (several `Fn::If`s on conditions combine into one condition with `Fn::And` or `Fn::Or`)"
        }
        _ => {
            "use fewer independent conditions in this policy, or lint each variant of it on its own"
        }
    };
    let mut out = Reporter::new(meta);
    out.report(at, format!("not checked for {}: {reason}", meta.name))
        .with_severity(Severity::Info)
        .with_help(help);
    let mut diagnostics = out.into_diagnostics();
    let mut d = diagnostics.remove(0);
    d.resource = resource.map(str::to_owned);
    d
}

/// One rule's findings across scenarios: each distinct finding, and the scenarios (indexes)
/// that produced it.
#[derive(Default)]
struct Merged {
    index: HashMap<(Span, String), usize>,
    found: Vec<(Diagnostic, Vec<usize>)>,
}

/// Runs `rules` on the policy in every scenario, with only the statements `only` lists when
/// given. Each scenario's model is built, checked by every rule and dropped before the next,
/// so memory does not grow with the number of scenarios. A finding that only some scenarios
/// produce says which conditions lead to it.
fn run_in_scenarios<'t>(
    cx: &Context<'_, 't>,
    rules: &[&RuleEntry],
    source: &PolicySource<'t>,
    scenarios: &[Vec<(&'t str, bool)>],
    only: Option<&[usize]>,
) -> Vec<Diagnostic> {
    let mut merged: Vec<Merged> = rules.iter().map(|_| Merged::default()).collect();
    // Where a value the rules read was nested too deep to resolve, for each rule.
    let mut cuts: Vec<Option<Cut>> = vec![None; rules.len()];
    for (i, scenario) in scenarios.iter().enumerate() {
        // The scenario's conditions also say what some parameters can be.
        let constraints = cx.conditions.constraints(scenario);
        let resolver = Resolver::with_scenario(cx.env, scenario).constrained(&constraints);
        let (policy, built_cut) = watch_cuts(|| {
            KeyPolicy::build(source, &resolver, &|name| cx.resource_type(name), only)
        });
        let check = PolicyCheck {
            source,
            policy: &policy,
            scenario,
        };
        for ((entry, merged), cut) in rules.iter().zip(&mut merged).zip(&mut cuts) {
            let mut out = Reporter::new(entry.meta());
            let ((), own_cut) = watch_cuts(|| entry.rule.check_policy(cx, &check, &mut out));
            *cut = cut
                .or(built_cut.first().copied())
                .or(own_cut.first().copied());
            for diagnostic in out.into_diagnostics() {
                let key = (diagnostic.span, diagnostic.message.clone());
                match merged.index.get(&key) {
                    Some(&at) => merged.found[at].1.push(i),
                    None => {
                        merged.index.insert(key, merged.found.len());
                        merged.found.push((diagnostic, vec![i]));
                    }
                }
            }
        }
    }
    let scenarios: Vec<&[(&str, bool)]> = scenarios.iter().map(Vec::as_slice).collect();
    let resource = source.resource.map(|(name, _)| name);
    let cut_notes: Vec<Diagnostic> = rules
        .iter()
        .zip(&cuts)
        .filter_map(|(entry, cut)| cut.map(|cut| note(entry, resource, cut.span, &Why::TooDeep)))
        .collect();
    merged
        .into_iter()
        .flat_map(|m| m.found)
        .map(|(mut diagnostic, seen)| {
            if seen.len() < scenarios.len()
                && let Some(note) = describe_scenarios(&scenarios, &seen)
            {
                diagnostic.message = format!("{} ({note})", diagnostic.message);
            }
            if diagnostic.resource.is_none()
                && let Some((name, _)) = source.resource
            {
                diagnostic.resource = Some(name.to_owned());
            }
            diagnostic
        })
        .chain(cut_notes)
        .collect()
}

/// Describes the scenarios `seen` picks out of `all` by the fewest conditions that tell them
/// apart from the others ("when `IsProd` is true"), or by all the conditions they agree on
/// when no smaller set does.
fn describe_scenarios(all: &[&[(&str, bool)]], seen: &[usize]) -> Option<String> {
    let first = all.get(*seen.first()?)?;
    let common: Vec<(&str, bool)> = first
        .iter()
        .filter(|(name, value)| {
            seen.iter()
                .all(|&i| all[i].iter().any(|(n, v)| n == name && v == value))
        })
        .copied()
        .collect();
    let holds = |i: usize, (name, value): (&str, bool)| {
        all[i].iter().any(|(n, v)| *n == name && *v == value)
    };
    // Greedy: add the condition that rules out the most remaining other scenarios.
    let mut others: Vec<usize> = (0..all.len()).filter(|i| !seen.contains(i)).collect();
    let mut chosen: Vec<(&str, bool)> = Vec::new();
    while !others.is_empty() {
        let best = common
            .iter()
            .filter(|c| !chosen.contains(c))
            .max_by_key(|&&c| others.iter().filter(|&&i| !holds(i, c)).count());
        match best {
            Some(&c) if others.iter().any(|&i| !holds(i, c)) => {
                chosen.push(c);
                others.retain(|&i| holds(i, c));
            }
            _ => return describe_when(&common),
        }
    }
    // Keep the template's order of conditions.
    chosen.sort_by_key(|c| common.iter().position(|x| x == c));
    describe_when(&chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_quotes_in_messages_are_abbreviated() {
        let long = "K".repeat(10_000);
        let mut message = format!("key `{long}` does not rotate; `short` stays");
        shorten_quotes(&mut message);
        assert!(message.len() < 200, "{message}");
        assert!(message.starts_with("key `KKK") && message.contains('…'));
        assert!(message.ends_with("does not rotate; `short` stays"));
        let mut short = "key `Key` does not rotate".to_owned();
        shorten_quotes(&mut short);
        assert_eq!(short, "key `Key` does not rotate");
    }

    /// Only the rules in `POLICY_RULES` are asked about key policies: the list must name
    /// exactly those that implement `check_policy`.
    #[test]
    fn the_policy_rules_are_those_that_check_policies() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        for entry in RULES {
            let path = dir.join(format!("{}.rs", entry.module));
            let source = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(
                source.contains("fn check_policy("),
                POLICY_RULES.contains(&entry.module),
                "{} ({})",
                entry.code,
                entry.module
            );
        }
    }

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
            assert_eq!(meta(entry.code).map(|m| m.code.as_str()), Some(entry.code));
            assert_eq!(entry.meta().code, entry.code);
        }
        assert!(meta("KMS999").is_none());
    }
}
