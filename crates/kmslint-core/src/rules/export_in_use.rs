//! KMS508 export-in-use: a change removes (or points at another key) an export or an SSM
//! parameter through which another stack of the deployment reads one of this template's keys
//! (docs/deployments.md, "Change review across stacks").
//!
//! - An export (`Outputs.*.Export.Name`) that another stack imports cannot be deleted or
//!   changed: CloudFormation refuses the update ("Export … cannot be deleted as it is in use
//!   by …"; https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-exports.html).
//!   An error.
//! - An SSM parameter (an `AWS::SSM::Parameter`, or a CDK cross-Region writer's) that another
//!   stack reads (`{{resolve:ssm:…}}`, a parameter of an SSM parameter type, a CDK reader)
//!   can be deleted: nothing stops the update, but the reader's next deployment fails to
//!   resolve it (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-ssm.html).
//!   A warning.
//!
//! Only names whose value is one of the template's keys, and readers the deployment holds:
//! what other stacks read is known in change review (`check --since`), where the links are
//! made with the readers ([`crate::link::Templates::link`]). The finding is at the same name
//! in the new version when it now names another key, else at the output or resource
//! that offered it when it is still there, else at the new version's `Outputs` (or
//! `Resources`); the readers and the old version's name are related locations.

use crate::diagnostic::Severity;
use crate::model::links::{Offer, Offered, offered};
use crate::source::Span;

use super::common::{readers_of, reading_stacks, related_readers};
use super::{ChangeContext, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS508.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS508",
    name: "export-in-use",
    severity: Severity::Error,
    also: &[Severity::Warning],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::Change,
};

pub(crate) struct ExportInUse;

impl Rule for ExportInUse {
    fn check_change(&self, cx: &ChangeContext<'_, '_, '_>, out: &mut Reporter) {
        let (Some(old_template), Some(new_template)) = (cx.old.template, cx.new.template) else {
            return;
        };
        let Some(links) = cx.new.links() else {
            return;
        };
        let before = offered(old_template, &cx.old.resolver());
        let after = offered(new_template, &cx.new.resolver());
        for old in &before {
            let readers = readers_of(links, &old.offer);
            if readers.is_empty() {
                continue;
            }
            let now = after.iter().find(|new| new.offer == old.offer);
            if now.is_some_and(|new| new.key == old.key) {
                continue;
            }
            let at = match now {
                Some(new) => new.at,
                None => place_of_removed(cx, old),
            };
            let who = reading_stacks(links, &readers);
            let key = &old.key;
            let change = match now {
                Some(new) => format!("now names key `{}` instead of `{key}`", new.key),
                None => format!("(key `{key}`) is removed"),
            };
            let (message, help, severity) = match &old.offer {
                Offer::Export(name) => (
                    format!(
                        "export `{name}` {change}, but stack {who} imports it: CloudFormation refuses to delete or change an export in use, so the update fails"
                    ),
                    "keep the export until the importing stacks no longer import it (deploy them first), then remove it",
                    Severity::Error,
                ),
                Offer::Ssm { name, .. } => (
                    format!(
                        "SSM parameter `{name}` {change}, but stack {who} reads it: the update succeeds, and the reading stack's next deployment fails to resolve it or gets another key"
                    ),
                    "keep the parameter until the reading stacks no longer read it, then remove it",
                    Severity::Warning,
                ),
                Offer::Output(_) => continue,
            };
            let diagnostic = out
                .report(at, message)
                .with_severity(severity)
                .with_help(help);
            related_readers(diagnostic, links, &readers);
            cx.related_old(diagnostic, old.at, "the name in the old version");
        }
    }
}

/// Where a removed name is reported in the new version: at the output or resource that
/// offered it when it is still there, else at `Outputs` (for an export) or `Resources`, else
/// at the start.
fn place_of_removed(cx: &ChangeContext<'_, '_, '_>, old: &Offered) -> Span {
    let Some(root) = cx.new.template.map(|t| t.root) else {
        return Span::new(0, 0);
    };
    let section = match old.offer {
        Offer::Export(_) | Offer::Output(_) => "Outputs",
        Offer::Ssm { .. } => "Resources",
    };
    let Some(entry) = root.entry(section) else {
        return root
            .entry("Resources")
            .map_or(Span::new(0, 0), |e| e.key_span);
    };
    entry
        .value
        .entry(&old.holder)
        .map_or(entry.key_span, |e| e.key_span)
}
