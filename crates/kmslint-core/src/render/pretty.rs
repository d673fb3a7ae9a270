//! `--format pretty`: codespan-reporting diagnostics with the source excerpt, labels and
//! help, then a summary line.

use std::collections::BTreeSet;
use std::ops::Range;

use codespan_reporting::diagnostic::LabelStyle;
use codespan_reporting::diagnostic::{Diagnostic as Report, Label, Severity as Level};
use codespan_reporting::files::{self, Error as FilesError, Files, Location};
use codespan_reporting::term::termcolor::{Buffer, WriteColor};
use codespan_reporting::term::{self, Config, GeneralWriteResult, WriteStyle};

use crate::diagnostic::{Diagnostic, Related, Severity};
use crate::fix::Applicability;
use crate::source::LineIndex;
use crate::source::lines::floor_char_boundary;

use super::{FileOutput, Summary, fix_applies, no_legacy_commands, visible, visible_len};

/// How [`render_file`] shows findings: with ANSI colours or not, and whether unsafe fixes are
/// on (`--unsafe-fixes`), which decides the findings marked `[*]`: those whose fix `--fix`
/// would apply. A plain `bool` is the colour, with unsafe fixes off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrettyOptions {
    pub color: bool,
    pub unsafe_fixes: bool,
}

impl From<bool> for PrettyOptions {
    fn from(color: bool) -> PrettyOptions {
        PrettyOptions {
            color,
            unsafe_fixes: false,
        }
    }
}

/// The most characters of a source line an excerpt shows whole; a longer line is cut to
/// [`CONTEXT`] characters either side of each place a label starts or ends, with `…` where
/// it was cut, so a one-line template of any size gives an excerpt of bounded size.
const LONG_LINE: usize = 160;
const CONTEXT: usize = 60;

/// The whole file, for positions: codespan's line and column of a byte in the original text.
struct File<'a> {
    text: &'a str,
    lines: LineIndex,
}

impl File<'_> {
    fn line_of(&self, byte: usize) -> usize {
        self.lines.line_of(byte.min(self.text.len()))
    }

    /// A line's start, the end of its content (where its line break starts), and its end.
    fn line(&self, index: usize) -> (usize, usize, usize) {
        let start = self.lines.line_start(index).min(self.text.len());
        let end = self.lines.line_start(index + 1).min(self.text.len());
        let content = self.lines.line_text(self.text, index).len();
        (start, start + content, end)
    }

    /// The line index's position: it counts from the nearest mark, not from the line's start,
    /// so that many findings on one long line do not each scan it.
    fn location(&self, byte: usize) -> Location {
        let position = self.lines.position(self.text, byte);
        Location {
            line_number: position.line as usize,
            column_number: position.column as usize,
        }
    }
}

/// What codespan sees of one finding: the lines it may show, each with control characters
/// made visible and long lines cut around the labels, at offsets of their own; every other
/// line is empty. Line numbers and the header's position are the original ones.
struct Excerpt<'a> {
    name: &'a str,
    file: &'a File<'a>,
    text: String,
    /// Original line index and range in `text` of each line shown, in order.
    lines: Vec<(usize, Range<usize>)>,
    /// Label ends: original byte and byte in `text`.
    points: Vec<(usize, usize)>,
}

/// One shown piece of a line: original bytes and where they start in the excerpt.
struct Piece {
    from: usize,
    to: usize,
    at: usize,
}

impl<'a> Excerpt<'a> {
    /// `ranges` are the labels' byte ranges in the original text, clamped to it.
    fn new(name: &'a str, file: &'a File<'a>, ranges: &[Range<usize>]) -> Excerpt<'a> {
        let count = file.lines.line_count();
        let mut shown = BTreeSet::new();
        let mut points: Vec<usize> = Vec::new();
        for range in ranges {
            let (start, end) = (file.line_of(range.start), file.line_of(range.end));
            // Every line codespan may render for this label: the labelled lines, the context
            // it keeps inside a multi-line label, and a single line filling a gap.
            shown.extend(start.saturating_sub(2)..(start + 6).min(count));
            shown.extend(end.saturating_sub(3)..(end + 3).min(count));
            points.extend([range.start, range.end]);
        }
        points.sort_unstable();
        points.dedup();
        let mut excerpt = Excerpt {
            name,
            file,
            text: String::new(),
            lines: Vec::new(),
            points: Vec::new(),
        };
        for line in shown {
            let (start, content_end, end) = file.line(line);
            let from = excerpt.text.len();
            let here: Vec<usize> = points
                .iter()
                .copied()
                .filter(|&p| p >= start && p <= end && file.line_of(p) == line)
                .collect();
            let pieces = excerpt.push_content(start, content_end, &here);
            let content_len = excerpt.text.len() - from;
            excerpt.text.push_str(&file.text[content_end..end]);
            for p in here {
                let at = if p >= content_end {
                    from + content_len + (p - content_end)
                } else {
                    match pieces.iter().find(|piece| p <= piece.to) {
                        Some(piece) => {
                            let p = floor_char_boundary(file.text, p.max(piece.from));
                            piece.at + visible_len(&file.text[piece.from..p])
                        }
                        None => from + content_len,
                    }
                };
                excerpt.points.push((p, at));
            }
            excerpt.lines.push((line, from..excerpt.text.len()));
        }
        excerpt
    }

    /// Appends a line's content as shown, and returns the pieces shown.
    fn push_content(&mut self, start: usize, end: usize, points: &[usize]) -> Vec<Piece> {
        let text = self.file.text;
        let content = &text[start..end];
        let windows: Vec<(usize, usize)> =
            if content.len() <= LONG_LINE || content.chars().nth(LONG_LINE).is_none() {
                vec![(start, end)]
            } else if points.is_empty() {
                vec![(start, forward(text, start, end, 2 * CONTEXT))]
            } else {
                let mut windows: Vec<(usize, usize)> = Vec::new();
                for &p in points {
                    let p = floor_char_boundary(text, p.min(end));
                    let window = (
                        backward(text, start, p, CONTEXT),
                        forward(text, p, end, CONTEXT),
                    );
                    match windows.last_mut() {
                        // Joined when the gap between them would be short anyway.
                        Some(last) if window.0 <= forward(text, last.1, end, 8) => {
                            last.1 = last.1.max(window.1);
                        }
                        _ => windows.push(window),
                    }
                }
                windows
            };
        let mut pieces = Vec::new();
        let mut shown_to = start;
        for (from, to) in windows {
            if from > shown_to {
                self.text.push('…');
            }
            pieces.push(Piece {
                from,
                to,
                at: self.text.len(),
            });
            // Each piece is escaped on its own: pieces are apart (`…` between them), so a
            // `##[` cannot span two.
            self.text.push_str(&visible(&text[from..to]));
            shown_to = to;
        }
        if shown_to < end {
            self.text.push('…');
        }
        pieces
    }

    /// A label's range in `text`.
    fn map(&self, range: &Range<usize>) -> Range<usize> {
        let at = |byte: usize| {
            self.points
                .iter()
                .find(|(p, _)| *p == byte)
                .map_or(0, |&(_, at)| at)
        };
        at(range.start)..at(range.end)
    }
}

/// The byte `chars` characters before `byte`, not before `floor`.
fn backward(text: &str, floor: usize, byte: usize, chars: usize) -> usize {
    text[floor..byte]
        .char_indices()
        .rev()
        .take(chars)
        .last()
        .map_or(byte, |(i, _)| floor + i)
}

/// The byte `chars` characters after `byte`, not after `ceiling`.
fn forward(text: &str, byte: usize, ceiling: usize, chars: usize) -> usize {
    text[byte..ceiling]
        .char_indices()
        .nth(chars)
        .map_or(ceiling, |(i, _)| byte + i)
}

impl<'a> Excerpt<'a> {
    fn line_index(&self, byte_index: usize) -> usize {
        let after = self
            .lines
            .partition_point(|(_, range)| range.start <= byte_index);
        self.lines[after.saturating_sub(1)].0
    }

    fn line_range(&self, line_index: usize) -> Result<Range<usize>, FilesError> {
        let count = self.file.lines.line_count();
        if line_index >= count {
            return Err(FilesError::LineTooLarge {
                given: line_index,
                max: count - 1,
            });
        }
        let at = self.lines.partition_point(|(line, _)| *line < line_index);
        match self.lines.get(at) {
            Some((line, range)) if *line == line_index => Ok(range.clone()),
            // A line codespan does not show: empty, where it would be.
            _ => {
                let end = at
                    .checked_sub(1)
                    .map_or(0, |before| self.lines[before].1.end);
                Ok(end..end)
            }
        }
    }

    fn location(&self, byte_index: usize) -> Result<Location, FilesError> {
        match self.points.iter().find(|(_, at)| *at == byte_index) {
            Some(&(p, _)) => Ok(self.file.location(p)),
            None => {
                let line_index = self.line_index(byte_index);
                let range = self.line_range(line_index)?;
                Ok(Location {
                    line_number: line_index + 1,
                    column_number: files::column_index(&self.text, range, byte_index) + 1,
                })
            }
        }
    }
}

/// What codespan sees of one finding: the excerpt of the file itself ([`HERE`]), and of the
/// old version ([`OLD`]) when a related place is in it, so that codespan shows that place
/// under the old version's name with its own snippet.
struct Excerpts<'a>(Vec<Excerpt<'a>>);

/// The file ids in [`Excerpts`].
const HERE: usize = 0;
const OLD: usize = 1;

impl<'a> Excerpts<'a> {
    fn get(&self, id: usize) -> Result<&Excerpt<'a>, FilesError> {
        self.0.get(id).ok_or(FilesError::FileMissing)
    }
}

impl<'a> Files<'a> for Excerpts<'a> {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, FilesError> {
        Ok(self.get(id)?.name)
    }

    fn source(&'a self, id: usize) -> Result<&'a str, FilesError> {
        Ok(&self.get(id)?.text)
    }

    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, FilesError> {
        Ok(self.get(id)?.line_index(byte_index))
    }

    fn line_range(&'a self, id: usize, line_index: usize) -> Result<Range<usize>, FilesError> {
        self.get(id)?.line_range(line_index)
    }

    fn location(&'a self, id: usize, byte_index: usize) -> Result<Location, FilesError> {
        self.get(id)?.location(byte_index)
    }
}

/// Renders one file's findings as `options` say (a `bool`: colours, unsafe fixes off).
///
/// A related place in the old version of the file (a change rule's, KMS5xx) is a secondary
/// label in a second file, the old version under its own name, with its own excerpt; one in
/// an old version whose text is not in [`FileOutput::previous`] is a note with its position.
pub fn render_file(output: &FileOutput<'_>, options: impl Into<PrettyOptions>) -> String {
    let options = options.into();
    if output.diagnostics.is_empty() {
        return String::new();
    }
    let file = File {
        text: output.text,
        lines: LineIndex::new(output.text),
    };
    let name = visible(output.path);
    // Made when a finding first needs it.
    let mut old: Option<(std::borrow::Cow<'_, str>, File<'_>)> = None;
    let config = Config::default();
    let mut buffer = if options.color {
        Buffer::ansi()
    } else {
        Buffer::no_color()
    };
    for diagnostic in output.diagnostics {
        let places = places(output, diagnostic);
        let mut excerpts = vec![Excerpt::new(&name, &file, &places.ranges[HERE])];
        if !places.ranges[OLD].is_empty()
            && let Some(previous) = output.previous
        {
            let (old_name, old_file) = old.get_or_insert_with(|| {
                (
                    visible(previous.name),
                    File {
                        text: previous.text,
                        lines: LineIndex::new(previous.text),
                    },
                )
            });
            excerpts.push(Excerpt::new(old_name, old_file, &places.ranges[OLD]));
        }
        let labels: Vec<Shown<'_>> = places
            .labels
            .iter()
            .map(|&(id, i, related)| (id, excerpts[id].map(&places.ranges[id][i]), related))
            .collect();
        let report = to_report(diagnostic, &labels, &places.elsewhere, options.unsafe_fixes);
        let excerpts = Excerpts(excerpts);
        let mut writer = InfoWord {
            inner: &mut buffer,
            header: false,
        };
        if term::emit_to_write_style(&mut writer, &config, &excerpts, &report).is_err() {
            // Only a position outside the file can fail; fall back to the compact line.
            let line = super::compact::line(output.path, diagnostic);
            let _ = std::io::Write::write_all(&mut buffer, format!("{line}\n\n").as_bytes());
        }
    }
    let _ = WriteColor::reset(&mut buffer);
    no_legacy_commands(String::from_utf8_lossy(buffer.as_slice()).into_owned())
}

/// The writer codespan renders into: `buffer`, with kmslint's word for an info finding in
/// the header. codespan has no `info` level; its `note` (which an info finding is rendered
/// as, for its colour) writes the word `note` right after `set_header(Note)`, so that one
/// write, and only it, becomes `info` (docs/output-formats.md, "Severity words").
struct InfoWord<'a> {
    inner: &'a mut Buffer,
    /// `set_header(Note)` was the last call: the next write is the severity's word.
    header: bool,
}

impl std::io::Write for InfoWord<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if std::mem::take(&mut self.header) && buf == b"note" {
            self.inner.write_all(b"info")?;
            return Ok(buf.len());
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl WriteStyle for InfoWord<'_> {
    fn set_header(&mut self, severity: Level) -> GeneralWriteResult {
        self.header = severity == Level::Note;
        WriteStyle::set_header(self.inner, severity)
    }

    fn set_header_message(&mut self) -> GeneralWriteResult {
        self.header = false;
        WriteStyle::set_header_message(self.inner)
    }

    fn set_line_number(&mut self) -> GeneralWriteResult {
        self.header = false;
        WriteStyle::set_line_number(self.inner)
    }

    fn set_note_bullet(&mut self) -> GeneralWriteResult {
        self.header = false;
        WriteStyle::set_note_bullet(self.inner)
    }

    fn set_source_border(&mut self) -> GeneralWriteResult {
        self.header = false;
        WriteStyle::set_source_border(self.inner)
    }

    fn set_label(&mut self, severity: Level, style: LabelStyle) -> GeneralWriteResult {
        self.header = false;
        WriteStyle::set_label(self.inner, severity, style)
    }

    fn reset(&mut self) -> GeneralWriteResult {
        self.header = false;
        WriteStyle::reset(self.inner)
    }
}

/// Where one finding's labels go.
struct Places<'d> {
    /// The labels' byte ranges in each file ([`HERE`], [`OLD`]), clamped to its text.
    ranges: [Vec<Range<usize>>; 2],
    /// The finding's label, then its related places' shown as labels: file, index in
    /// `ranges[file]`, and the related place.
    labels: Vec<(usize, usize, Option<&'d Related>)>,
    /// Related places in an old version whose text is not at hand.
    elsewhere: Vec<&'d Related>,
}

/// The finding's own label first, then each related place: in the file, in the old version
/// (when its text is at hand), or elsewhere.
fn places<'d>(output: &FileOutput<'_>, diagnostic: &'d Diagnostic) -> Places<'d> {
    let clamp = |span: crate::source::Span, len: usize| {
        let range = span.range();
        range.start.min(len)..range.end.min(len)
    };
    let mut places = Places {
        ranges: [vec![clamp(diagnostic.span, output.text.len())], Vec::new()],
        labels: vec![(HERE, 0, None)],
        elsewhere: Vec::new(),
    };
    for related in &diagnostic.related {
        let (id, len) = match (&related.path, output.previous_text(related)) {
            (None, _) => (HERE, output.text.len()),
            (Some(_), Some(old)) => (OLD, old.len()),
            (Some(_), None) => {
                places.elsewhere.push(related);
                continue;
            }
        };
        places
            .labels
            .push((id, places.ranges[id].len(), Some(related)));
        places.ranges[id].push(clamp(related.span, len));
    }
    places
}

/// A label as codespan gets it: file, range in that file's excerpt, and the related place
/// (`None`: the finding's own label).
type Shown<'d> = (usize, Range<usize>, Option<&'d Related>);

/// `labels` are the finding's own, then its related places' shown as labels, in order.
fn to_report(
    diagnostic: &Diagnostic,
    labels: &[Shown<'_>],
    elsewhere: &[&Related],
    unsafe_fixes: bool,
) -> Report<usize> {
    let level = match diagnostic.severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
        Severity::Info => Level::Note,
    };
    let shown: Vec<Label<usize>> = labels
        .iter()
        .map(|(id, range, related)| match related {
            None => Label::primary(*id, range.clone()).with_message(diagnostic.name),
            Some(r) => Label::secondary(*id, range.clone()).with_message(visible(&r.message)),
        })
        .collect();
    let mut notes = Vec::new();
    // A place in an old version whose text is not at hand: its name and position.
    for r in elsewhere {
        notes.push(format!(
            "{}:{}:{}: {}",
            visible(r.path.as_deref().unwrap_or_default()),
            r.start.line,
            r.start.column,
            visible(&r.message)
        ));
    }
    if let Some(help) = &diagnostic.help {
        notes.push(format!("help: {}", visible(help)));
    }
    // ruff's `[*]` after the code (codespan puts the code in the header's brackets, so the
    // mark starts the message): `--fix` would fix this one.
    let mut message = String::new();
    if let Some(fix) = &diagnostic.fix {
        if fix_applies(fix.applicability, unsafe_fixes) {
            message.push_str("[*] ");
        }
        let kind = match fix.applicability {
            Applicability::Safe => "fix",
            Applicability::Unsafe => "unsafe fix",
            Applicability::DisplayOnly => "suggested fix (not applied automatically)",
        };
        notes.push(format!("{kind}: {}", visible(&fix.title)));
    }
    message.push_str(&visible(&diagnostic.message));
    Report::new(level)
        .with_code(diagnostic.code)
        .with_message(message)
        .with_labels(shown)
        .with_notes(notes)
}

/// The summary: "Checked 12 files (3 skipped): 2 errors, 1 warning." (and "; 1 path could not
/// be read"), with a deployment's stacks among the files "Checked 7 files (5 stacks in 3
/// Regions, 2 skipped): …" (docs/deployments.md); after a `--fix` run "…: 1 error (2 fixed, 1 remaining)." Then, when findings
/// have fixes, a second line as ruff words it: "[*] 3 fixable with `--fix`." or "[*] 3
/// fixable with `--fix` (2 hidden fixes can be enabled with `--unsafe-fixes`)." or "No fixes
/// available (1 hidden fix can be enabled with `--unsafe-fixes`)." The first line always
/// ends with its `.`; no line ends with a line break.
pub fn summary_line(summary: &Summary) -> String {
    // "(5 stacks in 3 Regions, 2 skipped)": a deployment's stacks are among the files.
    let mut asides = Vec::new();
    if summary.stacks > 0 {
        let mut stacks = plural(summary.stacks, "stack", "stacks");
        if summary.regions > 0 {
            stacks.push_str(&format!(
                " in {}",
                plural(summary.regions, "Region", "Regions")
            ));
        }
        asides.push(stacks);
    }
    if summary.skipped > 0 {
        asides.push(format!("{} skipped", summary.skipped));
    }
    let skipped = if asides.is_empty() {
        String::new()
    } else {
        format!(" ({})", asides.join(", "))
    };
    let mut counts = Vec::new();
    if summary.errors > 0 {
        counts.push(plural(summary.errors, "error", "errors"));
    }
    if summary.warnings > 0 {
        counts.push(plural(summary.warnings, "warning", "warnings"));
    }
    if summary.infos > 0 {
        counts.push(plural(summary.infos, "info", "infos"));
    }
    let remaining = summary.errors + summary.warnings + summary.infos;
    let mut found = match (counts.is_empty(), summary.fixed > 0) {
        (true, false) => "no problems found".to_owned(),
        (true, true) => "all problems fixed".to_owned(),
        (false, _) => counts.join(", "),
    };
    if summary.fixed > 0 {
        found.push_str(&format!(
            " ({} fixed, {remaining} remaining)",
            summary.fixed
        ));
    }
    if let Some(baseline) = summary.baseline.filter(|b| b.matched > 0) {
        found.push_str(&format!(
            "; {} in the baseline",
            plural(baseline.matched, "finding", "findings")
        ));
    }
    let mut unreadable = String::new();
    let read = summary.unreadable.saturating_sub(summary.unwritten);
    if read > 0 {
        unreadable.push_str(&format!(
            "; {} could not be read",
            plural(read, "path", "paths")
        ));
    }
    if summary.unwritten > 0 {
        unreadable.push_str(&format!(
            "; {} could not be written",
            plural(summary.unwritten, "file", "files")
        ));
    }
    let mut line = format!(
        "Checked {}{skipped}: {found}{unreadable}.",
        plural(summary.files, "file", "files")
    );
    let hidden = (summary.unsafe_fixable > 0).then(|| {
        format!(
            "{} can be enabled with `--unsafe-fixes`",
            plural(summary.unsafe_fixable, "hidden fix", "hidden fixes")
        )
    });
    match (summary.fixable, hidden) {
        (0, None) => {}
        (0, Some(hidden)) => line.push_str(&format!("\nNo fixes available ({hidden}).")),
        (n, None) => line.push_str(&format!("\n[*] {n} fixable with `--fix`.")),
        (n, Some(hidden)) => {
            line.push_str(&format!("\n[*] {n} fixable with `--fix` ({hidden})."));
        }
    }
    line
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
