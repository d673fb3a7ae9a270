//! A key of the file as the policy engine answers for it, for the rules that ask it who may
//! do what (KMS507, KMS613).

use crate::model::access::{Asker, RequestContext, builds};
use crate::model::iam::Grant;
use crate::model::principal::Deployment as PolicyDeployment;
use crate::model::{KeyPolicy, Resource};

use super::Context;

/// A key of the file as the policy engine answers for it: its policy built in each combination
/// of the template's conditions its `Fn::If`s use (`model::access::builds`), and the template's
/// IAM statements that may bear on it.
pub(super) struct KeyAccess<'c, 'a, 't> {
    cx: &'c Context<'a, 't>,
    /// `None` for a key without `KeyPolicy` (the default key policy).
    builds: Vec<Option<KeyPolicy<'t>>>,
    deployment: PolicyDeployment<'a>,
    pub(super) usage: Option<&'t str>,
    /// The template's IAM statements that may bear on the key.
    iam: Vec<&'c Grant<'t>>,
}

impl<'c, 'a, 't> KeyAccess<'c, 'a, 't> {
    pub(super) fn of(cx: &'c Context<'a, 't>, key: &Resource<'t>) -> KeyAccess<'c, 'a, 't> {
        let resource_type = |n: &str| cx.template?.resource(n)?.type_name;
        let source = cx
            .policies
            .iter()
            .find(|s| s.resource.is_some_and(|(name, _)| name == key.name));
        let builds = match source {
            None => vec![None],
            Some(source) => builds(source, cx.env, cx.conditions, &resource_type)
                .into_iter()
                .map(Some)
                .collect(),
        };
        KeyAccess {
            cx,
            builds,
            deployment: PolicyDeployment {
                account: cx.env.account,
                partition: cx.env.partition.map(|p| p.name),
                region: cx.env.region,
            },
            usage: key.property("KeyUsage").and_then(|n| n.as_str()),
            iam: cx.consumers.iam_grants.on(key.name),
        }
    }

    pub(super) fn askers<'s>(&'s self, context: &'s RequestContext) -> Vec<Asker<'s, 't>> {
        self.builds
            .iter()
            .map(|policy| Asker {
                policy: policy.as_ref(),
                usage: self.usage,
                template: self.cx.template,
                deployment: &self.deployment,
                account: self.cx.env.account,
                context,
                iam: &self.iam,
            })
            .collect()
    }
}
