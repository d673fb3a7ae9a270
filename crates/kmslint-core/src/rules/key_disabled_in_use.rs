//! KMS604 key-disabled-in-use: `Enabled: false` on a Key or ReplicaKey of the template that a
//! consumer of the allow-list (`facts::key_consumers`) uses. A disabled key cannot be used:
//! "if … the KMS key is disabled … CloudTrail cannot deliver logs", and the same holds for
//! every service (docs/facts/consumers.md#disabled-keys).
//!
//! One finding per `Enabled` value that is `false`, naming the consumers that use the key
//! with it (conditions that keep them apart are respected). `Enabled` from a template
//! parameter is the deployer's choice and is not reported; consumers whose key is a
//! parameter, an import or a literal ARN are not known to use this key.

use crate::diagnostic::Severity;
use crate::facts::resources::{KEY, REPLICA_KEY};
use crate::model::consumers::KeyTarget;
use crate::model::value::describe_when;

use super::common::{join, related_linked};
use super::key_config::{readable, report_setting, settings};
use super::key_use::{describe, possible, uses};
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS604.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS604",
    name: "key-disabled-in-use",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct KeyDisabledInUse;

/// Consumers named in a message; more are counted.
const NAMED: usize = 3;

impl Rule for KeyDisabledInUse {
    fn reads_consumers(&self) -> bool {
        true
    }

    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let Some(template) = cx.template else {
            return;
        };
        let resolver = cx.resolver();
        let all = uses(cx);
        for key in template.resources.iter() {
            if !matches!(key.type_name, Some(KEY | REPLICA_KEY)) || !readable(key) {
                continue;
            }
            let mine: Vec<_> = all
                .iter()
                .filter(
                    |(_, u)| matches!(u.target, KeyTarget::Key { name, .. } if name == key.name),
                )
                .collect();
            // Consumers of other stacks of the deployment (docs/deployments.md).
            let theirs = cx.links().map_or(&[][..], |l| l.uses_of(key.name));
            if mine.is_empty() && theirs.is_empty() {
                continue;
            }
            for setting in settings(&resolver, key, "Enabled", "true") {
                if setting.flag() != Some(false)
                    || setting
                        .alt
                        .as_ref()
                        .and_then(|a| a.param.as_ref())
                        .is_some_and(|p| !p.from_command_line)
                {
                    continue;
                }
                let mut also = setting.when.clone();
                also.extend(key.condition.map(|c| (c, true)));
                let users: Vec<_> = mine
                    .iter()
                    .filter(|(_, u)| possible(cx, u, &also))
                    .map(|(_, u)| u)
                    .collect();
                if users.is_empty() && theirs.is_empty() {
                    continue;
                }
                let mut names: Vec<String> = users
                    .iter()
                    .take(NAMED)
                    .map(|u| {
                        let own: Vec<_> = u
                            .when
                            .iter()
                            .filter(|c| !setting.when.contains(c))
                            .copied()
                            .collect();
                        match describe_when(&own) {
                            Some(note) => format!("{} ({note})", describe(u)),
                            None => describe(u),
                        }
                    })
                    .collect();
                let links = cx.links();
                names.extend(
                    theirs
                        .iter()
                        .take(NAMED.saturating_sub(names.len()))
                        .map(|u| {
                            let stack = links.map(|l| l.links.stacks[u.stack].name.as_str());
                            format!(
                                "`{}` ({}) of stack {}",
                                u.consumer,
                                u.property,
                                stack.unwrap_or_default()
                            )
                        }),
                );
                let count = users.len() + theirs.len();
                if count > NAMED {
                    names.push(format!("{} more", count - NAMED));
                }
                let disabled = cx.snippet("`Enabled: false`", "`\"Enabled\": false`");
                let verb = if count == 1 { "uses" } else { "use" };
                let name = key.name;
                let diagnostic = report_setting(
                    out,
                    key,
                    &setting,
                    &[],
                    format!(
                        "key `{name}` is disabled ({}), but {} {verb} it: a disabled key cannot encrypt, decrypt or sign, so the service fails",
                        disabled,
                        join(&names)
                    ),
                )
                .with_help(format!(
                    "enable `{name}` (remove {}), or give the consumers another key", disabled
                ));
                match (users.first(), theirs.first(), links) {
                    (Some(first), _, _) => {
                        diagnostic.with_related(
                            first.span,
                            format!("`{}` uses `{name}` here", first.consumer),
                        );
                    }
                    (None, Some(first), Some(links)) => related_linked(
                        diagnostic,
                        &first.at,
                        format!(
                            "`{}` uses `{name}` here ({})",
                            first.consumer, links.links.stacks[first.stack]
                        ),
                    ),
                    _ => {}
                }
            }
        }
    }
}
