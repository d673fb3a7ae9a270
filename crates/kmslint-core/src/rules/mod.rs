//! The rules, one file each, and what they share, one job per module: [`registry`] (every
//! rule, what each declares, its documentation), [`context`] (what a rule reads),
//! [`reporter`] (where its findings go), [`scenarios`] (key policies checked in each
//! combination of their `Fn::If` conditions) and [`run`] (running them on a file).
//!
//! Adding a rule touches three places: `src/rules/<name>.rs` (its `RULE` declaration and its
//! logic, with one line in the registry), `rules/<CODE>.md` (documentation) and
//! `fixtures/<CODE>/`; `scripts/new-rule` writes all of them. The tests in
//! `tests/it/rule_docs.rs`, `tests/fixtures.rs` and [`registry`] fail when one of them is
//! missing or they disagree.

use crate::source::Node;

mod context;
mod key_access;
mod registry;
mod reporter;
mod run;
mod scenarios;

pub(crate) use context::{ChangeContext, Context, PolicyCheck, consumer_paths, consumers_read};
pub(crate) use iam_grant_not_delegated::undelegated_actions;
pub(crate) use need::Unmet;
pub use registry::{
    DocError, FixAvailability, RULES, RuleEntry, RuleInfo, RuleKind, RuleMeta, find, is_change,
    kind, names, parse_doc,
};
pub(crate) use reporter::{Reporter, finish};
pub(crate) use run::{run, run_change};
pub(crate) use service_grant_missing::{missing_publish_grants, missing_service_grants};
// What `suppress` reports, as KMS006 and KMS007 declare it.
pub(crate) use invalid_suppression::RULE as INVALID_SUPPRESSION;
pub(crate) use unused_suppression::RULE as UNUSED_SUPPRESSION;

/// A rule's logic. What the rule is (code, name, severity…) is its file's `RULE`
/// ([`RuleInfo`]); its documentation is `rules/<CODE>.md`.
pub(crate) trait Rule: Sync {
    /// Checks the document as a whole.
    fn check(&self, _cx: &Context<'_, '_>, _out: &mut Reporter) {}

    /// Whether the rule implements [`Rule::check_policy`]: only these are asked about key
    /// policies, whose models are built only when one of them runs.
    fn checks_policies(&self) -> bool {
        false
    }

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

/// Which statements of a key policy one finding of a rule can depend on.
pub(crate) enum PolicyScope {
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
mod need;

// The rule modules, declared here rather than by `registry!` so that rustfmt sees them (it
// does not format modules declared inside a macro). A module left out of the registry is
// dead code, which the lints reject.
mod access_widened;
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
mod export_in_use;
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
mod role_lacks_key_access;
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
