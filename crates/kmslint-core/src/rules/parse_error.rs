//! KMS001 parse-error: the file is not valid JSON or YAML, or uses YAML that CloudFormation
//! rejects (anchors, aliases, merge keys, unsupported tags). The loaders find these; this
//! rule reports them.

use crate::diagnostic::Severity;
use crate::source::{ProblemKind, SyntaxCause};

use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS001.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS001",
    name: "parse-error",
    severity: Severity::Error,
    also: &[],
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
            let help = help_for(problem.cause());
            let diagnostic = out.report(problem.span, problem.message.clone());
            if let Some(help) = help {
                diagnostic.with_help(help);
            }
        }
    }
}

fn help_for(cause: Option<SyntaxCause>) -> Option<&'static str> {
    Some(match cause? {
        SyntaxCause::TabIndentation => {
            "indent YAML with spaces; tabs are not allowed for indentation"
        }
        SyntaxCause::WideEncoding => "re-save the file with UTF-8 encoding",
        SyntaxCause::InvalidUtf8 => {
            "re-save the file with UTF-8 encoding, or remove the stray byte"
        }
        SyntaxCause::TrailingComma => "remove the comma after the last item",
    })
}
