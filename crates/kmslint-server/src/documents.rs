//! The open documents, the client's settings, and linting one document: its settings are its
//! directory's nearest `.kmslint.toml` (read again at every lint, so an edited configuration
//! applies at the next keystroke without watching files) under the client's `region`,
//! `account` and `deployerArn`, and the Region, account, parameters and links of the stack
//! whose template it is over those ([`crate::deployments`]).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use lsp_types::Uri;
use serde_json::Value as Json;

use kmslint_core::config::{self, Settings};
use kmslint_core::diagnostic::Diagnostic;
use kmslint_core::source::LineIndex;
use kmslint_core::{FileReport, Outcome};

use crate::convert::kind;
use crate::deployments::{Buffers, Deployments, Source};
use crate::last_good::LastGood;

/// An open document and what is known of it.
pub(super) struct Document {
    pub uri: Uri,
    /// Its file, resolved ([`kmslint_core::deployment::canonical`]): how the links between
    /// stacks find the open buffer of a template.
    pub path: Option<PathBuf>,
    pub version: i32,
    pub text: String,
    /// The server's count of edits when `text` was set: the links made from it are current
    /// while it is the same ([`crate::deployments::Buffer`]).
    pub edit: u64,
    /// The deployment its last lint found it a stack of.
    pub deployment: Option<Source>,
    /// Its last lint found a syntax problem and a last good analysis is kept: the links
    /// read the last good text ([`Document::buffer`]), so that a half-typed line does not
    /// take its keys from the other stacks' findings at each keystroke.
    pub links_last_good: bool,
    /// The edit of the last good text ([`LastGood::text`]).
    pub good_edit: u64,
    pub lines: LineIndex,
    /// The lint of `text`, once made.
    pub lint: Option<Lint>,
    /// Its diagnostics are to be published (it changed since they last were).
    pub dirty: bool,
    /// The last configuration problem shown for it, so that each keystroke does not show it
    /// again.
    pub shown_problem: Option<String>,
    /// While `text` has a syntax problem: the last analysis of a text that had none, whose
    /// findings are shown until the text parses again ([`crate::last_good`]). Dropped with
    /// the document, when a text parses, and when a lint's settings are not its own.
    pub last_good: Option<LastGood>,
}

/// One lint of a document: its report (`None` when linting panicked) and the settings used.
pub(super) struct Lint {
    pub report: Option<FileReport>,
    pub settings: Settings,
    /// The text has a syntax problem ([`crate::last_good::has_syntax_problem`]).
    pub broken: bool,
    /// When it has and a last good analysis exists: that analysis's findings on the lines
    /// left alone since, placed in this text ([`crate::last_good::keep`], which also left
    /// in `report` only what is shown of it). Shown, never a source of code actions.
    pub kept: Vec<Diagnostic>,
}

impl Lint {
    /// What is published: the report's findings and the kept ones, in the text's order.
    pub(crate) fn shown(&self) -> Vec<&Diagnostic> {
        let mut shown: Vec<&Diagnostic> = self
            .report
            .iter()
            .flat_map(|r| &r.diagnostics)
            .chain(&self.kept)
            .collect();
        if !self.kept.is_empty() {
            shown.sort_by_key(|d| (d.span.start, d.span.end));
        }
        shown
    }
}

impl Document {
    pub(crate) fn new(uri: Uri, version: i32, text: String, edit: u64) -> Document {
        Document {
            lines: LineIndex::new(&text),
            path: file_path(&uri).map(|p| kmslint_core::deployment::canonical(&p)),
            uri,
            version,
            text,
            edit,
            deployment: None,
            links_last_good: false,
            good_edit: 0,
            lint: None,
            dirty: true,
            shown_problem: None,
            last_good: None,
        }
    }

    /// Replaces the text. A text that was linted and parsed becomes the last good analysis
    /// (moved, not copied: while texts parse, none is kept besides the current one); one
    /// replaced before it was linted (a burst) leaves the last good analysis as it was.
    pub(crate) fn set_text(&mut self, version: i32, text: String, edit: u64) {
        self.lines = LineIndex::new(&text);
        let old = std::mem::replace(&mut self.text, text);
        if let Some(Lint {
            report: Some(report),
            broken: false,
            settings,
            ..
        }) = self.lint.take()
        {
            self.last_good = Some(LastGood {
                text: old,
                diagnostics: report.diagnostics,
                settings,
            });
            self.good_edit = self.edit;
        }
        self.version = version;
        self.edit = edit;
        self.dirty = true;
    }

    /// Its text as the links between stacks read it, and the edit that set it: the last good
    /// text while the current one does not parse (as far as its last lint knows), else the
    /// current one.
    pub(crate) fn buffer(&self) -> (u64, &str) {
        match (&self.last_good, self.links_last_good) {
            (Some(good), true) => (self.good_edit, &good.text),
            _ => (self.edit, &self.text),
        }
    }

    /// The name linting sees: the file's path (its extension picks JSON or YAML, as on the
    /// command line), or the URI itself for a document that is not a file.
    pub(crate) fn name(&self) -> String {
        match file_path(&self.uri) {
            Some(path) => path.display().to_string(),
            None => self.uri.as_str().to_owned(),
        }
    }
}

/// What the client configures (`initializationOptions`, `workspace/didChangeConfiguration`):
/// `{"kmslint": {"region": …, "account": …, "deployerArn": …}}`, or the inner object alone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct ClientSettings {
    pub region: Option<String>,
    pub account: Option<String>,
    pub deployer_arn: Option<String>,
}

impl ClientSettings {
    /// The settings in `value`, and a message for each one that is not valid (it is dropped).
    pub(crate) fn from_json(value: &Json) -> (ClientSettings, Vec<String>) {
        let (object, name) = match value.get("kmslint") {
            Some(inner) => (inner, "kmslint"),
            None => (value, "the kmslint settings"),
        };
        let mut problems = Vec::new();
        if !object.is_object() && !object.is_null() {
            problems.push(format!("{name}: expected an object, not {}", kind(object)));
        }
        let mut field = |key: &str, check: fn(&str) -> Result<(), String>| {
            let value = object.get(key)?;
            let Some(text) = value.as_str() else {
                if !value.is_null() {
                    problems.push(format!(
                        "kmslint.{key}: expected a string, not {}",
                        kind(value)
                    ));
                }
                return None;
            };
            match check(text) {
                Ok(()) => Some(text.to_owned()),
                Err(message) => {
                    problems.push(format!("kmslint.{key}: {message}"));
                    None
                }
            }
        };
        let settings = ClientSettings {
            region: field("region", |r| {
                config::check_region(r).map_err(|e| e.to_string())
            }),
            account: field("account", |a| {
                config::check_account(a).map_err(|e| e.to_string())
            }),
            deployer_arn: field("deployerArn", |arn| {
                kmslint_core::deployer::Deployer::parse(arn)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }),
        };
        (settings, problems)
    }
}

/// A document's settings: [`settings`].
pub(super) struct DocumentSettings {
    pub settings: Settings,
    /// The configuration problem that kept its file from applying.
    pub problem: Option<String>,
    /// The deployment it is the template of a stack of.
    pub deployment: Option<Source>,
    /// The deployment's links were made again ([`crate::deployments::Placed::relinked`]).
    pub relinked: bool,
}

/// The settings for a document, or the defaults (with the client's settings) and the
/// configuration problem that kept its file from applying; for the template of a stack
/// ([`crate::deployments`]), with the stack's Region, account, parameter values and links
/// over them, the other templates of its deployment read from `buffers` when open.
pub(super) fn settings(
    uri: &Uri,
    client: &ClientSettings,
    deployments: &mut Deployments,
    buffers: &Buffers<'_>,
) -> DocumentSettings {
    let path = file_path(uri);
    let from_client = || {
        (
            client.region.clone(),
            client.account.clone(),
            client.deployer_arn.clone(),
        )
    };
    let (region, account, deployer) = from_client();
    let names = kmslint_core::rules::names();
    let (settings, resolved, problem) =
        match config::settings_for_file(path.as_deref(), region, account, deployer, names) {
            Ok((settings, resolved)) => (settings, Some(resolved), None),
            Err(error) => {
                let (region, account, deployer) = from_client();
                let settings = config::settings_for_file(None, region, account, deployer, names)
                    .map(|(settings, _)| settings)
                    .unwrap_or_default();
                (settings, None, Some(error.to_string()))
            }
        };
    let table = resolved.as_ref().map_or(&[][..], |r| r.stacks());
    let placed = path
        .as_deref()
        .and_then(|path| deployments.place(path, table, &settings, buffers));
    match placed {
        Some(placed) => DocumentSettings {
            settings: placed.settings,
            problem,
            deployment: Some(placed.source),
            relinked: placed.relinked,
        },
        None => DocumentSettings {
            settings,
            problem,
            deployment: None,
            relinked: false,
        },
    }
}

/// Whether a last good analysis made under `a` still applies under `b`: the same settings,
/// whatever the links (made again at each edit of a template of the deployment, so never
/// the same twice; the last good findings are of an older text anyway).
pub(super) fn same_settings(a: &Settings, b: &Settings) -> bool {
    let unlinked = |s: &Settings| Settings {
        links: None,
        ..s.clone()
    };
    a.links.is_some() == b.links.is_some() && unlinked(a) == unlinked(b)
}

/// Lints a document's text; `None` when linting panicked (a bug; the panic message went to
/// stderr through the panic hook).
pub(super) fn lint(name: &str, text: &str, settings: &Settings) -> Option<FileReport> {
    catch_unwind(AssertUnwindSafe(|| {
        kmslint_core::lint_text(name, text, settings)
    }))
    .ok()
}

/// Whether suppressions apply to the report (the file parsed as a template or key policy).
pub(super) fn linted(report: &FileReport) -> bool {
    matches!(report.outcome, Outcome::Linted(_))
}

/// The path of a `file:` URI, percent-decoded.
pub(super) fn file_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file:///path` or `file://localhost/path`.
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    if !path.starts_with('/') {
        return None;
    }
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).and_then(|&b| hex(b)),
                bytes.get(i + 2).and_then(|&b| hex(b)),
            )
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let path = String::from_utf8(out).ok()?;
    // `file:///C:/x` on Windows.
    if cfg!(windows) && path.as_bytes().get(2) == Some(&b':') {
        return Some(PathBuf::from(&path[1..]));
    }
    Some(PathBuf::from(path))
}

/// The `file:` URI of an absolute path, its bytes other than letters, digits, `-._~/:`
/// percent-encoded (RFC 3986); `None` when the result is no URI.
pub(super) fn file_uri(path: &Path) -> Option<Uri> {
    let text = path.to_str()?;
    let mut uri = String::from("file://");
    // `C:\x` on Windows is `file:///C:/x`.
    if !text.starts_with('/') {
        uri.push('/');
    }
    for &b in text.as_bytes() {
        let b = if cfg!(windows) && b == b'\\' { b'/' } else { b };
        if b.is_ascii_alphanumeric() || b"-._~/:".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_are_decoded_and_others_have_no_path() {
        let uri: Uri = "file:///tmp/a%20b/t%C3%A9.yaml".parse().unwrap();
        assert_eq!(file_path(&uri), Some(PathBuf::from("/tmp/a b/té.yaml")));
        let untitled: Uri = "untitled:Untitled-1".parse().unwrap();
        assert_eq!(file_path(&untitled), None);
        let back = file_uri(Path::new("/tmp/a b/té.yaml")).unwrap();
        assert_eq!(back.as_str(), "file:///tmp/a%20b/t%C3%A9.yaml");
        assert_eq!(file_path(&back), Some(PathBuf::from("/tmp/a b/té.yaml")));
    }

    #[test]
    fn client_settings_are_checked() {
        let json = serde_json::json!({"kmslint": {"region": "eu-west-1", "account": "12"}});
        let (settings, problems) = ClientSettings::from_json(&json);
        assert_eq!(settings.region.as_deref(), Some("eu-west-1"));
        assert_eq!(settings.account, None);
        assert_eq!(problems.len(), 1, "{problems:?}");
        let json = serde_json::json!({"kmslint": {"region": 5, "account": "111122223333"}});
        let (settings, problems) = ClientSettings::from_json(&json);
        assert_eq!(settings.account.as_deref(), Some("111122223333"));
        assert_eq!(
            problems,
            ["kmslint.region: expected a string, not a number"]
        );
        let (settings, problems) = ClientSettings::from_json(&serde_json::json!({"kmslint": []}));
        assert_eq!(settings, ClientSettings::default());
        assert_eq!(problems, ["kmslint: expected an object, not an array"]);
    }
}
