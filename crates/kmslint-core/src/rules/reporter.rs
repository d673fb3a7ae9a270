//! Where a rule's findings go: the [`Reporter`] that stamps them with the rule's code, name
//! and severity (and keeps the [`Need`] a finding of KMS601 or KMS609 reports), the builders
//! a rule finishes a finding with, and what every finding goes through afterwards
//! ([`finish`]: the configuration's severities, long quotes cut).

use crate::config::Settings;
use crate::diagnostic::{Diagnostic, Related, Severity};
use crate::fix::Fix;
use crate::model::value::{MESSAGE_WIDTH, abbreviate};
use crate::source::{Position, Span};

use super::RuleInfo;
use super::need::{Need, Unmet};

/// Collects a rule's findings, stamping its code, name and severity.
pub(crate) struct Reporter {
    rule: &'static RuleInfo,
    found: Vec<Finding>,
}

/// A finding as a rule made it: the diagnostic, and the need it reports in typed form, for
/// the rules that report needs (KMS601, KMS609: KMS506 compares them).
pub(crate) struct Finding {
    pub diagnostic: Diagnostic,
    pub unmet: Option<Unmet>,
}

impl From<Diagnostic> for Finding {
    fn from(diagnostic: Diagnostic) -> Finding {
        Finding {
            diagnostic,
            unmet: None,
        }
    }
}

impl Reporter {
    pub(crate) fn new(rule: &'static RuleInfo) -> Reporter {
        Reporter {
            rule,
            found: Vec::new(),
        }
    }

    /// Reports `need` at `at` in its words (message and help), with the rule's default
    /// severity; `shows_statements` says whether the finding shows the key policy's
    /// `Statement`.
    pub(crate) fn report_need(
        &mut self,
        at: Span,
        need: Need,
        shows_statements: bool,
    ) -> &mut Diagnostic {
        let (message, help) = (need.message(), need.help());
        let index = self.found.len();
        self.report(at, message).with_help(help);
        let finding = &mut self.found[index];
        finding.unmet = Some(Unmet {
            need,
            at,
            shows_statements,
        });
        &mut finding.diagnostic
    }

    /// Reports a finding at `span` with the rule's default severity.
    pub(crate) fn report(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.found.push(Finding::from(Diagnostic {
            code: self.rule.code,
            name: self.rule.name,
            severity: self.rule.severity,
            message: message.into(),
            span,
            resource: None,
            pointer: String::new(),
            stable_pointer: String::new(),
            help: None,
            related: Vec::new(),
            fix: None,
            start: Position::default(),
            end: Position::default(),
        }));
        &mut self.found.last_mut().expect("just pushed").diagnostic
    }

    pub(crate) fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.found.into_iter().map(|f| f.diagnostic).collect()
    }

    /// The findings with the needs they report.
    pub(crate) fn into_findings(self) -> Vec<Finding> {
        self.found
    }
}

impl Diagnostic {
    pub(crate) fn with_help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn with_related(&mut self, span: Span, message: impl Into<String>) -> &mut Self {
        self.related.push(Related::new(span, message));
        self
    }

    pub(crate) fn with_severity(&mut self, severity: Severity) -> &mut Self {
        self.severity = severity;
        self
    }

    /// Offers `fix` (nothing when the rule could not write its edits).
    pub(crate) fn with_fix(&mut self, fix: Option<Fix>) -> &mut Self {
        self.fix = fix;
        self
    }

    pub(crate) fn with_resource(&mut self, resource: &str) -> &mut Self {
        self.resource = Some(resource.to_owned());
        self
    }
}

/// What every finding goes through once its rule has made it, whichever rule or step that
/// is (rules here, KMS006 and KMS007 in `suppress`): the `[severity]` overrides of the
/// configuration, and quotes too long for a line abbreviated.
pub(crate) fn finish(settings: &Settings, diagnostics: &mut [Diagnostic]) {
    apply_severities(settings, diagnostics);
    for d in diagnostics {
        shorten_quotes(&mut d.message);
        if let Some(help) = &mut d.help {
            shorten_quotes(help);
        }
        for related in &mut d.related {
            shorten_quotes(&mut related.message);
        }
    }
}

/// Quotes (text between backticks) longer than a line, abbreviated, whichever rule wrote them:
/// a huge value in a file must not make a huge message. Most rules abbreviate values
/// themselves; this is the net under all of them.
fn shorten_quotes(text: &mut String) {
    if text.len() <= 2 * MESSAGE_WIDTH {
        return;
    }
    let mut out = String::with_capacity(text.len().min(8 * MESSAGE_WIDTH));
    for (i, part) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        // Odd parts are inside backticks.
        if i % 2 == 1 {
            out.push_str(&abbreviate(part));
        } else {
            out.push_str(part);
        }
    }
    *text = out;
}

/// The `[severity]` overrides of the configuration, for findings of any rule.
fn apply_severities(settings: &Settings, diagnostics: &mut [Diagnostic]) {
    if settings.rules.severity.is_empty() {
        return;
    }
    for d in diagnostics {
        if let Some(&severity) = settings.rules.severity.get(d.code) {
            d.severity = severity;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_quotes_in_messages_are_abbreviated() {
        let long = format!("{}Z", "K".repeat(10_000));
        let mut message = format!("key `{long}` does not rotate; `short` stays");
        shorten_quotes(&mut message);
        assert!(message.len() < 200, "{message}");
        assert!(message.starts_with("key `KKK") && message.contains('…'));
        // The quote keeps its start and its end, as values are quoted everywhere.
        assert!(message.contains("KZ` does not rotate"), "{message}");
        assert!(message.ends_with("does not rotate; `short` stays"));
        let mut short = "key `Key` does not rotate".to_owned();
        shorten_quotes(&mut short);
        assert_eq!(short, "key `Key` does not rotate");
    }
}
