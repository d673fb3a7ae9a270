//! KMS002 duplicate-key: a mapping key defined twice, in the template or inside a key policy
//! written as a JSON string. CloudFormation keeps only the last one, silently.

use crate::model;
use crate::source::ProblemKind;

use super::{Context, Reporter, Rule};

pub struct DuplicateKey;

impl Rule for DuplicateKey {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let embedded = model::embedded_problems(cx.embedded).map(|(_, p)| p);
        for problem in cx
            .load_problems
            .iter()
            .chain(embedded)
            .filter(|p| p.kind == ProblemKind::DuplicateKey)
        {
            let diagnostic = out
                .report(problem.span, problem.message.clone())
                .with_help("remove one of them: only the last definition takes effect");
            if let Some(first) = problem.first {
                diagnostic.with_related(first, "first defined here");
            }
        }
    }
}
