//! KMS215 legacy-policy-version: `Version: 2008-10-17`, or no `Version` in a policy that uses
//! `${…}` policy variables. IAM reads a policy without Version as 2008-10-17, where policy
//! variables such as `${aws:username}` are literal text (kms-facts §7.3).

use std::sync::LazyLock;

use regex::Regex;

use crate::source::{Node, Value};

use super::{Context, PolicyCheck, Reporter, Rule};

pub struct LegacyPolicyVersion;

/// A policy variable: `${aws:username}`, or `${!aws:username}` inside `Fn::Sub`, where `!`
/// keeps it literal. `${AWS::Region}` (two colons) is a pseudo parameter, not one of these.
static POLICY_VARIABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\$\{!?([A-Za-z][A-Za-z0-9-]*:[A-Za-z][^}]*)\}").expect("valid regex")
});

impl Rule for LegacyPolicyVersion {
    fn check_policy(&self, _cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        let policy = check.policy;
        match &policy.version {
            Some(version) => {
                if version.as_str() == Some("2008-10-17") {
                    out.report(
                        version.entry.value.span,
                        "`Version` 2008-10-17 is the legacy policy language: policy variables are literal text and newer features are missing",
                    )
                    .with_help("use `Version: '2012-10-17'`");
                }
            }
            None => {
                if let Some((node, variable)) = first_variable(policy.root, 0) {
                    out.report(
                        node.span,
                        format!(
                            "`${{{variable}}}` is literal text here: a policy without `Version` is read as version 2008-10-17, which has no policy variables"
                        ),
                    )
                    .with_help("add `Version: '2012-10-17'` to the policy");
                }
            }
        }
    }
}

fn first_variable<'t>(node: &'t Node<'t>, depth: usize) -> Option<(&'t Node<'t>, String)> {
    if depth > 64 {
        return None;
    }
    match &node.value {
        Value::Scalar(s) => POLICY_VARIABLE
            .captures(&s.text)
            .map(|c| (node, c[1].to_owned())),
        Value::Seq(items) => items.iter().find_map(|i| first_variable(i, depth + 1)),
        Value::Map(entries) => entries
            .iter()
            .find_map(|e| first_variable(&e.value, depth + 1)),
        Value::Invalid => None,
    }
}
