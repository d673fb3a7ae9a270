//! What a rule reads: the file ([`Context`]), one key policy in one scenario
//! ([`PolicyCheck`]), and for a change rule both versions of the file ([`ChangeContext`]).

use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::fix::edit::Editor;
use crate::model::consumers::{ConsumerIndex, KeyUses, Publication};
use crate::model::kind::MixedPolicy;
use crate::model::principal::Deployment;
use crate::model::value::{Env, Resolver};
use crate::model::{Conditions, DocumentKind, EmbeddedPolicy, KeyPolicy, PolicySource, Template};
use crate::source::{Format, LoadProblem, Span};

use super::RULES;

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
    pub(crate) fn deployment(&self) -> Deployment<'a> {
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
    /// The needs the new version's findings report (before suppressions: a suppressed
    /// finding is still a need), for a change rule that compares them on both versions.
    pub new_needs: &'a [super::Unmet],
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

/// One key policy in one scenario.
pub(crate) struct PolicyCheck<'p, 't> {
    pub source: &'p PolicySource<'t>,
    pub policy: &'p KeyPolicy<'t>,
    /// The values of the conditions this scenario fixes, for rules that relate the policy to
    /// other resources (whose own `Fn::If`s must agree with it).
    pub scenario: &'p [(&'t str, bool)],
}
