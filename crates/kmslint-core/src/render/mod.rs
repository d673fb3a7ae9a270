//! Output formats, one file each. Renderers read findings and summaries; they never lint.

pub mod compact;
pub mod github;
pub mod gitlab;
pub mod json;
pub mod junit;
pub mod pretty;
pub mod sarif;

use crate::compare::Previous;
use crate::diagnostic::{Diagnostic, Related, Severity};
use crate::fix::Applicability;

/// Counts for the summary line and the JSON `summary` object.
///
/// The command line sets [`Summary::unsafe_fixes`] before calling [`Summary::count`] (it
/// decides which fixes count as fixable), and [`Summary::fixed`] after a `--fix` run, whose
/// other counts are then of the findings that remain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Files linted (templates and key policies, including ones that did not parse).
    pub files: usize,
    /// Files read but not linted (neither a template nor a key policy).
    pub skipped: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Paths named or met that could not be read (they are listed in [`PathError`]s).
    pub unreadable: usize,
    /// Of those, the files `--fix` did not write (it failed, or refused): the text summary
    /// says "could not be written" of them. Not in the JSON, where they are among `errors`.
    #[serde(skip)]
    pub unwritten: usize,
    /// Findings whose fix `--fix` would apply under these settings: safe fixes, and unsafe
    /// ones too when [`Summary::unsafe_fixes`] is on.
    pub fixable: usize,
    /// Findings whose fix is unsafe while unsafe fixes are off: the fixes `--unsafe-fixes`
    /// would add ("hidden"). Always 0 when unsafe fixes are on.
    pub unsafe_fixable: usize,
    /// Fixes `--fix` applied (set by the command line; 0 when it did not fix).
    pub fixed: usize,
    /// Whether unsafe fixes are enabled (`--unsafe-fixes`), as [`Summary::count`] reads it. A
    /// setting, not a count: not in the JSON.
    #[serde(skip)]
    pub unsafe_fixes: bool,
    /// With a baseline (`--baseline`): how many findings it absorbed and how many of its
    /// entries matched nothing. The other counts are of the findings reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineCounts>,
    /// Of the files linted, the templates of a deployment's stacks (docs/deployments.md),
    /// and the Regions they are in (those known). Not in the JSON when 0.
    #[serde(skip_serializing_if = "is_zero")]
    pub stacks: usize,
    #[serde(skip_serializing_if = "is_zero")]
    pub regions: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// What a baseline did in a run (see [`crate::baseline`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct BaselineCounts {
    /// Findings the baseline absorbed (not reported).
    pub matched: usize,
    /// Recorded findings that matched nothing, in the files linted or in files that no
    /// longer exist: writing the baseline again drops them.
    pub stale: usize,
}

/// Whether `--fix` applies a fix of this applicability: a safe one always, an unsafe one
/// with `--unsafe-fixes`, a display-only one never.
pub(crate) fn fix_applies(applicability: Applicability, unsafe_fixes: bool) -> bool {
    match applicability {
        Applicability::Safe => true,
        Applicability::Unsafe => unsafe_fixes,
        Applicability::DisplayOnly => false,
    }
}

/// A path that could not be linted: one that does not exist, cannot be read, or is too large.
/// Machine formats carry these so that a failed run never looks like a clean one.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PathError {
    pub path: String,
    pub message: String,
}

/// Where a rule's documentation is published: the repository's `rules/CODE.md`.
pub(crate) const DOCS_BASE: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/rules/");

/// The documentation URL of a rule.
pub fn rule_url(code: &str) -> String {
    format!("{DOCS_BASE}{code}.md")
}

/// Counts per rule for `--statistics`: most frequent first, then by code.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Statistic {
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    pub(crate) count: usize,
}

/// The `--statistics` rows of a run's findings.
pub fn statistics<'a>(diagnostics: impl IntoIterator<Item = &'a Diagnostic>) -> Vec<Statistic> {
    let mut counts: std::collections::BTreeMap<(&'static str, &'static str), usize> =
        std::collections::BTreeMap::new();
    for d in diagnostics {
        *counts.entry((d.code, d.name)).or_default() += 1;
    }
    let mut rows: Vec<Statistic> = counts
        .into_iter()
        .map(|((code, name), count)| Statistic { code, name, count })
        .collect();
    rows.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(b.code)));
    rows
}

/// The statistics as a text table, one rule a line.
pub fn statistics_table(rows: &[Statistic]) -> String {
    rows.iter()
        .map(|r| format!("{:>6}  {}  {}\n", r.count, r.code, r.name))
        .collect()
}

impl Summary {
    /// Adds the findings to the counts by severity, and their fixes to `fixable` and
    /// `unsafe_fixable` as [`Summary::unsafe_fixes`] says.
    pub fn count(&mut self, diagnostics: &[Diagnostic]) {
        for d in diagnostics {
            match d.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Info => self.infos += 1,
            }
            if let Some(fix) = &d.fix {
                if fix_applies(fix.applicability, self.unsafe_fixes) {
                    self.fixable += 1;
                } else if fix.applicability == Applicability::Unsafe {
                    self.unsafe_fixable += 1;
                }
            }
        }
    }
}

/// A file's findings with what renderers need to show them.
pub struct FileOutput<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub diagnostics: &'a [Diagnostic],
    /// The version the file was compared with (`kmslint diff`, `check --since`), when it was:
    /// the text that related places with a `path` of [`PreviousFile::name`] are in. `None`
    /// when nothing was compared (or the file is new).
    pub previous: Option<PreviousFile<'a>>,
}

/// The old version of a file, as renderers need it to show places in it: the name its
/// findings' [`Related::path`](crate::diagnostic::Related::path) gives, and its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PreviousFile<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

impl<'a> PreviousFile<'a> {
    /// The old version a file was linted against, if it has a text ([`Previous::Text`]).
    pub fn of(previous: &Previous<'a>) -> Option<PreviousFile<'a>> {
        match *previous {
            Previous::Text { name, text } => Some(PreviousFile { name, text }),
            Previous::NotCompared | Previous::Absent => None,
        }
    }
}

impl<'a> FileOutput<'a> {
    /// The old version's text, when `related` is a place in it: its path is the name of
    /// [`FileOutput::previous`]. `None` for a place in the file itself, and for one in an old
    /// version whose text is not at hand (renderers then show its position without an
    /// excerpt).
    pub(crate) fn previous_text(&self, related: &Related) -> Option<&'a str> {
        let path = related.path.as_deref()?;
        self.previous.filter(|p| p.name == path).map(|p| p.text)
    }
}

/// Text from the input as human-facing output shows it: control characters (C0 except tab,
/// DEL, C1), line and paragraph separators, bidirectional formatting characters and
/// invisible characters (zero-width spaces and joiners, word joiner, byte order mark, tags)
/// become visible escapes (`\n`, `\r`, `\u{1b}`, `\u{202e}`, `\u{200b}`), and the `[` of
/// `##[` becomes `\u{5b}`. So a value, comment or file name can neither start a line of its
/// own (a GitHub workflow command such as `::add-mask::`), nor issue the runner's older
/// `##[command]` form, which it acts on anywhere in a line, nor drive the terminal (cursor
/// movement, window titles, concealed or reordered text).
/// <https://docs.github.com/actions/reference/workflow-commands-for-github-actions>
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(needs_escape) && !text.contains("##[") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut escaper = Escaper::default();
    for c in text.chars() {
        escaper.push(&mut out, c);
    }
    std::borrow::Cow::Owned(out)
}

/// [`visible`] one character at a time: it remembers the `#`s just pushed, so that the `[`
/// of `##[` is escaped.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Escaper {
    hashes: u8,
}

impl Escaper {
    pub(crate) fn push(&mut self, out: &mut String, c: char) {
        if c == '[' && self.hashes >= 2 {
            out.push_str("\\u{5b}");
        } else if needs_escape(c) {
            // `\n`, `\r`, `\0` for ASCII controls; `\u{…}` for the rest, whether or not Rust
            // deems the character printable (`escape_debug` keeps some invisible ones).
            if c.is_ascii() {
                out.extend(c.escape_debug());
            } else {
                out.extend(c.escape_unicode());
            }
        } else {
            out.push(c);
        }
        self.hashes = if c == '#' {
            self.hashes.saturating_add(1)
        } else {
            0
        };
    }
}

/// How many bytes [`visible`] makes of `text`.
pub(crate) fn visible_len(text: &str) -> usize {
    let mut escaper = Escaper::default();
    let mut buffer = String::new();
    text.chars()
        .map(|c| {
            buffer.clear();
            escaper.push(&mut buffer, c);
            buffer.len()
        })
        .sum()
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(
            c,
            // Line and paragraph separators; bidirectional formatting (Trojan Source).
            '\u{2028}'
                | '\u{2029}'
                | '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                // Invisible: Unicode's default-ignorable characters (soft hyphen, zero-width
                // space, non-joiner and joiner, word joiner and invisible operators, byte
                // order mark, Hangul fillers, tags, …), but for the variation selectors that
                // emoji carry.
                | '\u{00ad}'
                | '\u{034f}'
                | '\u{115f}'
                | '\u{1160}'
                | '\u{17b4}'
                | '\u{17b5}'
                | '\u{180b}'..='\u{180f}'
                | '\u{200b}'..='\u{200d}'
                | '\u{2060}'..='\u{2065}'
                | '\u{206a}'..='\u{206f}'
                | '\u{3164}'
                | '\u{feff}'
                | '\u{ffa0}'
                | '\u{fff0}'..='\u{fffb}'
                | '\u{1bca0}'..='\u{1bca3}'
                | '\u{1d173}'..='\u{1d17a}'
                | '\u{e0000}'..='\u{e0fff}'
        )
}

/// A path at the start of a line (compact output, `--show-files`): one that could be read as
/// a workflow command (`::…`, `##[…]`), or that starts with white space (the runner trims it
/// before looking for `::`), gets a `./`, which names the same file.
pub fn line_start_path(path: &str) -> String {
    let path = visible(path);
    if path.starts_with([':', '#']) || path.starts_with(char::is_whitespace) {
        format!("./{path}")
    } else {
        path.into_owned()
    }
}

/// A whole line of input shown as it is (a `--diff` line on a terminal or in a log): as
/// [`visible`], and when what is left after its leading white space starts with `::` (the
/// runner trims a line before looking for a command), that first `:` as `\u{3a}`.
pub fn visible_line(line: &str) -> std::borrow::Cow<'_, str> {
    let shown = visible(line);
    let trimmed = shown.trim_start();
    if !trimmed.starts_with("::") {
        return shown;
    }
    let at = shown.len() - trimmed.len();
    std::borrow::Cow::Owned(format!("{}\\u{{3a}}{}", &shown[..at], &trimmed[1..]))
}

/// A last pass over rendered human output: any `##[` left (one made where kmslint's own text
/// meets the input's) loses its `[` as [`visible`] writes it.
pub(crate) fn no_legacy_commands(text: String) -> String {
    if text.contains("##[") {
        text.replace("##[", "##\\u{5b}")
    } else {
        text
    }
}

/// Writes `value` as a pretty-printed JSON document and a line break to `out`, through
/// [`JsonCommandSafe`]. serde_json writes a token at a time: a buffer in front of the filter
/// hands it large pieces.
pub fn write_json(
    out: &mut (impl std::io::Write + ?Sized),
    value: &impl serde::Serialize,
) -> std::io::Result<()> {
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, JsonCommandSafe::new(&mut *out));
    serde_json::to_writer_pretty(&mut buffered, value)?;
    std::io::Write::flush(&mut buffered)?;
    drop(buffered);
    out.write_all(b"\n")
}

/// A writer for JSON documents (JSON, SARIF) that writes the `[` of `##[` as `\u005b`. `#`
/// appears only inside strings in a JSON document, and `\u005b` is `[`: the data parsed back
/// are the same, but the runner's `##[command]` form, acted on anywhere in a line, is gone.
pub(crate) struct JsonCommandSafe<W> {
    inner: W,
    hashes: u8,
}

impl<W: std::io::Write> JsonCommandSafe<W> {
    pub(crate) fn new(inner: W) -> Self {
        JsonCommandSafe { inner, hashes: 0 }
    }
}

impl<W: std::io::Write> std::io::Write for JsonCommandSafe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // The `#`s just before `buf[i]`, counting those that ended the last write.
        let hashes_before = |i: usize, carried: u8| {
            let here = buf[..i]
                .iter()
                .rev()
                .take(2)
                .take_while(|&&b| b == b'#')
                .count();
            if here == i {
                here + usize::from(carried)
            } else {
                here
            }
        };
        let mut from = 0;
        // `[` is rare in a document's strings: look for it a word at a time.
        for i in memchr::memchr_iter(b'[', buf) {
            if hashes_before(i, self.hashes) >= 2 {
                self.inner.write_all(&buf[from..i])?;
                self.inner.write_all(b"\\u005b")?;
                from = i + 1;
            }
        }
        self.inner.write_all(&buf[from..])?;
        self.hashes = hashes_before(buf.len(), self.hashes).min(2) as u8;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(visible("plain, tab\tkept"), "plain, tab\tkept");
        assert_eq!(
            visible("x\n::add-mask::s\r\n\u{1b}]0;t\u{7}\u{9b}\u{202e}"),
            "x\\n::add-mask::s\\r\\n\\u{1b}]0;t\\u{7}\\u{9b}\\u{202e}"
        );
        let s = "a\u{1b}b\u{0}é\u{2028}";
        assert_eq!(visible_len(s), visible(s).len());
        assert_eq!(line_start_path("::error x.yaml"), "./::error x.yaml");
        assert_eq!(line_start_path("a/b.yaml"), "a/b.yaml");
        assert_eq!(
            line_start_path("\u{a0}::error x.yaml"),
            "./\u{a0}::error x.yaml"
        );
        assert_eq!(line_start_path("\t::error x.yaml"), "./\t::error x.yaml");
    }

    #[test]
    fn invisible_characters_and_legacy_commands_become_visible() {
        assert_eq!(
            visible("a\u{200b}b\u{200d}\u{2060}\u{feff}\u{e0041}\u{3164}"),
            "a\\u{200b}b\\u{200d}\\u{2060}\\u{feff}\\u{e0041}\\u{3164}"
        );
        // Emoji keep their variation selector.
        assert_eq!(visible("\u{2764}\u{fe0f}"), "\u{2764}\u{fe0f}");
        assert_eq!(
            visible("# ##[stop-commands]x ###[debug]y #[z"),
            "# ##\\u{5b}stop-commands]x ###\\u{5b}debug]y #[z"
        );
        for s in ["##[a", "a\u{1b}##[\u{200b}", "é#"] {
            assert_eq!(visible_len(s), visible(s).len(), "{s:?}");
        }
        assert_eq!(visible_line("   ::error x"), "   \\u{3a}:error x");
        assert_eq!(visible_line("+::error x"), "+::error x");
        assert_eq!(visible_line("\u{3000}::warning"), "\u{3000}\\u{3a}:warning");
        assert_eq!(no_legacy_commands("a##[b".into()), "a##\\u{5b}b");
    }

    #[test]
    fn json_keeps_its_data_without_legacy_commands() {
        use std::io::Write;
        let value = serde_json::json!({"m": "x ##[stop-commands]y \\##[z ###[w"});
        let mut out = Vec::new();
        let mut safe = JsonCommandSafe::new(&mut out);
        // Byte by byte: a `##` split between writes still counts.
        for b in serde_json::to_vec(&value).unwrap() {
            safe.write_all(&[b]).unwrap();
        }
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("##["), "{text}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            value
        );
        // In two writes, split anywhere.
        let bytes = serde_json::to_vec(&value).unwrap();
        for at in 0..=bytes.len() {
            let mut out = Vec::new();
            let mut safe = JsonCommandSafe::new(&mut out);
            safe.write_all(&bytes[..at]).unwrap();
            safe.write_all(&bytes[at..]).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), text, "split at {at}");
        }
    }
}
