//! KMS001 parse-error: the file is not valid JSON or YAML, or uses YAML that CloudFormation
//! rejects (anchors, aliases, merge keys, unsupported tags). The loaders find these; this
//! rule reports them.

use crate::diagnostic::Severity;
use crate::source::ProblemKind;

use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS001.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS001",
    name: "parse-error",
    severity: Severity::Error,
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::Parse,
};

pub(crate) struct ParseError;

impl Rule for ParseError {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        for problem in cx
            .load_problems
            .iter()
            .filter(|p| p.kind == ProblemKind::Syntax)
        {
            let help = help_for(&problem.message);
            let diagnostic = out.report(problem.span, problem.message.clone());
            if let Some(help) = help {
                diagnostic.with_help(help);
            }
        }
    }
}

fn help_for(message: &str) -> Option<&'static str> {
    if message.contains("tabs") {
        Some("indent YAML with spaces; tabs are not allowed for indentation")
    } else if message.contains("UTF-16") || message.contains("UTF-32") {
        Some("re-save the file with UTF-8 encoding")
    } else if message.contains("invalid UTF-8") {
        Some("re-save the file with UTF-8 encoding, or remove the stray byte")
    } else if message.contains("trailing comma") {
        Some("remove the comma after the last item")
    } else {
        None
    }
}
