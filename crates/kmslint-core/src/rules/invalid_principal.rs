//! KMS209 invalid-principal: a principal KMS rejects — an account ID that is not 12 digits,
//! an IAM group, a wildcard inside an ARN, an ARN of another service or of an unknown
//! partition, an unknown principal type, a malformed service principal (kms-facts §7.4).
//! The classification lives in `model::principal`; this rule reports its `Invalid` verdicts.

use crate::model::policy::Principals;
use crate::model::principal::Principal;

use super::{Context, PolicyCheck, Reporter, Rule};

pub struct InvalidPrincipal;

const PRINCIPAL_TYPES: &[&str] = &["AWS", "Service", "Federated", "CanonicalUser"];

impl Rule for InvalidPrincipal {
    fn check_policy(&self, _cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        for statement in &check.policy.statements {
            for principals in [&statement.principal, &statement.not_principal]
                .into_iter()
                .flatten()
            {
                report(principals, out);
            }
        }
    }
}

fn report(principals: &Principals<'_>, out: &mut Reporter) {
    let mut reported_kinds = Vec::new();
    for item in &principals.items {
        if item.kind != "*" && !PRINCIPAL_TYPES.contains(&item.kind) {
            if !reported_kinds.contains(&item.kind_span) {
                reported_kinds.push(item.kind_span);
                let diagnostic = out.report(
                    item.kind_span,
                    format!("`{}` is not a principal type", item.kind),
                );
                match super::common::did_you_mean(item.kind, PRINCIPAL_TYPES.iter().copied()) {
                    Some(near) => diagnostic.with_help(format!("did you mean `{near}`?")),
                    None => diagnostic.with_help("use `AWS`, `Service`, `Federated` or `CanonicalUser`"),
                };
            }
            continue;
        }
        for (alt, principal) in &item.principals {
            if let Principal::Invalid(reason) = principal {
                let shown = alt
                    .text_value()
                    .map_or_else(|| "this value".to_owned(), |t| format!("`{}`", t.display_short()));
                out.report(alt.span, format!("{shown} is not a valid principal: {reason}"));
            }
        }
    }
}
