//! A finding: what rules produce and renderers print, with its fix as plain data (what to
//! replace, how sure it is); writing and applying fixes is [`crate::fix`]'s.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::source::{LineIndex, Position, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", try_from = "String")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Severity {
    // A String: serde's `try_from` only shows it in its own error, so it crosses no module.
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        s.parse().map_err(|e: UnknownSeverity| e.to_string())
    }
}

impl FromStr for Severity {
    type Err = UnknownSeverity;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "info" => Ok(Severity::Info),
            "warning" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            _ => Err(UnknownSeverity(s.to_owned())),
        }
    }
}

/// A text that names no [`Severity`]: the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownSeverity(pub String);

impl fmt::Display for UnknownSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a severity (expected error, warning or info)",
            self.0
        )
    }
}

impl std::error::Error for UnknownSeverity {}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// The logical ID of the resource the finding is about, if any.
    pub resource: Option<String>,
    /// A JSON pointer to the node the finding is at (`/Resources/Key/Properties/KeySpec`).
    pub pointer: String,
    /// [`Diagnostic::pointer`] with list items named by what they hold rather than by their
    /// index, where something names them: a statement by its `Sid`
    /// (`/Resources/Key/Properties/KeyPolicy/Statement/[Sid=Admins]/Principal`), a tag by
    /// its `Key`, a scalar item by its value (`/Action/[=kms:Decrypt]`); the index otherwise.
    /// It stays the same when statements, tags or actions are added or reordered, so
    /// baselines key on it (see [`crate::baseline`]). Not an RFC 6901 pointer; filled in with
    /// `pointer` once linting is done.
    pub(crate) stable_pointer: String,
    pub help: Option<String>,
    pub related: Vec<Related>,
    /// The repair, when there is one obvious one.
    pub fix: Option<Fix>,
    /// Filled in by [`Diagnostic::locate`] once linting is done.
    pub start: Position,
    pub end: Position,
}

/// Another place that explains a finding: in the same file, or (for a change between two
/// versions) in the old version of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    /// The file the place is in, when it is not the finding's own: the old version's name.
    pub path: Option<String>,
    pub span: Span,
    pub message: String,
    pub start: Position,
    pub end: Position,
}

impl Related {
    pub fn new(span: Span, message: impl Into<String>) -> Related {
        Related {
            path: None,
            span,
            message: message.into(),
            start: Position::default(),
            end: Position::default(),
        }
    }
}

impl Diagnostic {
    /// Computes lines and columns for the finding and its related locations.
    pub(crate) fn locate(&mut self, text: &str, lines: &LineIndex) {
        self.start = lines.position(text, self.span.start as usize);
        self.end = lines.position(text, self.span.end as usize);
        for related in self.related.iter_mut().filter(|r| r.path.is_none()) {
            related.start = lines.position(text, related.span.start as usize);
            related.end = lines.position(text, related.span.end as usize);
        }
        for edit in self.fix.iter_mut().flat_map(|f| &mut f.edits) {
            edit.start = lines.position(text, edit.span.start as usize);
            edit.end = lines.position(text, edit.span.end as usize);
        }
    }

    /// Adds a place in another file (the old version), located there and then.
    pub(crate) fn with_related_in(
        &mut self,
        path: &str,
        text: &str,
        lines: &LineIndex,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Self {
        let (start, end) = (
            lines.position(text, span.start as usize),
            lines.position(text, span.end as usize),
        );
        self.with_related_located(path, span, start, end, message)
    }

    /// Adds a place in another file, already located: in another stack's template.
    pub(crate) fn with_related_located(
        &mut self,
        path: &str,
        span: Span,
        start: Position,
        end: Position,
        message: impl Into<String>,
    ) -> &mut Self {
        self.related.push(Related {
            path: Some(path.to_owned()),
            span,
            message: message.into(),
            start,
            end,
        });
        self
    }

    /// The order findings are printed in: by position, then by code.
    pub fn sort_key(&self) -> (u32, u32, &'static str, &str) {
        (self.span.start, self.span.end, self.code, &self.message)
    }
}

/// How sure a fix is, from least to most.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Shown, never applied: a human must decide (it grants access, say).
    DisplayOnly,
    /// May change what the template or policy means; applied with `--unsafe-fixes`.
    Unsafe,
    /// Keeps the meaning; applied by `--fix`.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::DisplayOnly => "display-only",
            Applicability::Unsafe => "unsafe",
            Applicability::Safe => "safe",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, in the imperative: "Replace `allow` with `Allow`".
    pub title: String,
    pub applicability: Applicability,
    /// Non-overlapping, in file order.
    pub edits: Vec<Edit>,
}

/// Replace the bytes of `span` with `replacement` (an empty span inserts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
    /// Filled in with the finding's own positions.
    pub start: Position,
    pub end: Position,
}

impl Edit {
    pub fn new(span: Span, replacement: impl Into<String>) -> Edit {
        Edit {
            span,
            replacement: replacement.into(),
            start: Position::default(),
            end: Position::default(),
        }
    }
}

impl Fix {
    /// A fix of the edits given, or `None` when there are none or two overlap (a rule that
    /// cannot write an edit offers no fix rather than half of one).
    pub(crate) fn new(
        title: impl Into<String>,
        applicability: Applicability,
        edits: impl IntoIterator<Item = Option<Edit>>,
    ) -> Option<Fix> {
        let mut edits: Vec<Edit> = edits.into_iter().collect::<Option<_>>()?;
        if edits.is_empty() {
            return None;
        }
        edits.sort_by_key(|e| (e.span.start, e.span.end));
        if edits.windows(2).any(|w| conflict(&w[0], &w[1])) {
            return None;
        }
        Some(Fix {
            title: title.into(),
            applicability,
            edits,
        })
    }
}

/// Two edits conflict when their ranges overlap, or when both insert at the same place (the
/// order of the inserted texts would be a guess).
pub(crate) fn conflict(a: &Edit, b: &Edit) -> bool {
    let (a, b) = (a.span, b.span);
    (a.start < b.end && b.start < a.end) || a.start == b.start
}
