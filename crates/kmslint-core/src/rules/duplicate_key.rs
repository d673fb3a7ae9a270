//! KMS002 duplicate-key: a mapping key defined twice, in the template or inside a key policy
//! written as a JSON string. CloudFormation keeps only the last one, silently.

use crate::diagnostic::Severity;
use crate::model;
use crate::source::ProblemKind;

use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS002.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS002",
    name: "duplicate-key",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct DuplicateKey;

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
