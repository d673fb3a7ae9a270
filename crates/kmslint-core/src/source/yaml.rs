//! YAML to the located tree, through saphyr-parser's event stream.
//!
//! Why events and not a YAML library's document type: events carry a span for every node, and
//! we decide ourselves what to do with duplicate keys (report, keep the last), anchors and
//! aliases (report, never expand: CloudFormation rejects them, and a billion-laughs file cannot
//! hurt) and CloudFormation's short-form tags (rewrite to their long form).

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Tag};

use super::tree::{Entry, Node, Scalar, Style, Value};
use super::{Budget, LoadProblem, Loaded, MAX_DEPTH, ProblemKind, Span, next_char_end};

/// The long forms of the short-form tags that stand for `Fn::<name>` (`!Sub` is `Fn::Sub`).
/// `!Ref` and `!Condition` keep their names. Written out so a tag's key borrows its name
/// instead of allocating it for every use. Source: CloudFormation intrinsic function
/// reference (template-formats, R9 in design-research.md) and cfn-lint's decoder (R8).
const FUNCTION_TAGS: &[&str] = &[
    "Fn::And",
    "Fn::Base64",
    "Fn::Cidr",
    "Fn::Contains",
    "Fn::EachMemberEquals",
    "Fn::EachMemberIn",
    "Fn::Equals",
    "Fn::FindInMap",
    "Fn::ForEach",
    "Fn::GetAZs",
    "Fn::GetAtt",
    "Fn::If",
    "Fn::ImportValue",
    "Fn::Join",
    "Fn::Length",
    "Fn::Not",
    "Fn::Or",
    "Fn::RefAll",
    "Fn::Select",
    "Fn::Split",
    "Fn::Sub",
    "Fn::ToJsonString",
    "Fn::Transform",
    "Fn::ValueOf",
];

/// At most this many anchor and alias findings per file: one is enough to act on, and a
/// billion-laughs file should not print a million lines.
const MAX_ALIAS_PROBLEMS: usize = 20;

pub fn load(text: &str) -> Loaded<'_> {
    let loaded = load_strict(text);
    match loaded.problems.last() {
        Some(problem) if loaded.root.is_none() => {
            let quoted = problem.message.ends_with(UNDER_INDENTED);
            if quoted || is_under_indented_flow_line(problem) {
                lenient(text, quoted).unwrap_or(loaded)
            } else {
                loaded
            }
        }
        _ => loaded,
    }
}

/// Where a second YAML document starts.
const SECOND_DOCUMENT: &str =
    "CloudFormation reads one YAML document per template; this file has more";

/// saphyr's message for a quoted scalar's continuation line indented less than YAML 1.2
/// wants.
const UNDER_INDENTED: &str = "invalid indentation in quoted scalar";

/// Whether the strict parse stopped at a line indented too little (saphyr: "invalid
/// indentation"), which may be a flow collection's continuation line or closing bracket:
/// [`lenient`] decides, and when it cannot the strict result stands.
fn is_under_indented_flow_line(problem: &LoadProblem) -> bool {
    problem.message == "invalid YAML: invalid indentation"
}

/// Loads text that YAML 1.2 rejects only because some lines are indented too little where
/// indentation carries no meaning, as PyYAML, SnakeYAML and CloudFormation load it:
///
/// - a quoted scalar's continuation lines (seen in aws-samples/serverless-patterns): their
///   leading spaces are folded away;
/// - a flow collection's closing `}` or `]` at the start of a line, written at the indentation
///   of the line that opened the collection (its key), as JSON is usually laid out; YAML wants
///   it indented past that key, and the spaces before it are not part of any value;
/// - a flow collection's continuation lines (its entries) written at that same indentation,
///   as in `Value: !Join ["", [` with the entries under `Value` (an AWS Solutions template,
///   aws-samples/serverless-patterns). PyYAML ignores indentation inside flow collections
///   altogether; this accepts no line less indented than the line that opened the
///   collection, so a lost bracket still stops at the next key.
///
/// Either way, padding such lines with spaces changes no value: pad them, parse again, and
/// map the spans back onto the text as written.
///
/// `quoted`: the strict parse stopped at a quoted scalar's continuation line, which
/// [`lenient_padded`] can pad from the error even when the scan found nothing to pad.
fn lenient(text: &str, quoted: bool) -> Option<Loaded<'_>> {
    // The closers are found in one pass over the text, and padded all at once: the text is
    // parsed once more, not once per closer. A closer less indented than the line that opened
    // its collection is left alone, so it stays an error, as does a tab, or a bracket that
    // never closes.
    let mut quotes = Vec::new();
    let closers = under_indented_closers(text, &mut quotes);
    // The quoted scalars the same scan saw are padded at once too: padding a continuation
    // line past the opening quote never changes the value (YAML drops a continuation line's
    // leading spaces), so the text is parsed twice in all, not once per scalar, which made
    // a file of many such scalars cost a parse each (and fail after 64).
    let mut quote_pads = Vec::new();
    quotes.retain(|&quote| {
        let pads = pad_quoted_scalar(text, quote).unwrap_or_default();
        quote_pads.extend_from_slice(&pads);
        !pads.is_empty()
    });
    if !quotes.is_empty()
        && let Some(loaded) = lenient_padded(text, &closers, &quotes, &quote_pads)
    {
        return Some(loaded);
    }
    if closers.is_empty() && !quoted {
        // Nothing to pad: parsing the text again would only repeat the strict parse (an
        // ordinary indentation error would cost every such file two parses).
        return None;
    }
    lenient_padded(text, &closers, &[], &[])
}

/// [`lenient`] with the closers and the quoted scalars at `quotes` padded before the first
/// parse. Quoted scalars the scan did not see are padded once their error is found, one
/// scalar per parse.
fn lenient_padded<'a>(
    text: &'a str,
    closers: &[Closer],
    quotes: &[usize],
    quote_pads: &[(usize, usize)],
) -> Option<Loaded<'a>> {
    let mut insertions: Vec<(usize, usize)> = closers
        .iter()
        .map(|c| (c.line_start, c.count))
        .chain(quote_pads.iter().copied())
        .collect();
    insertions.sort_unstable();
    insertions.dedup_by(|later, earlier| {
        let same = later.0 == earlier.0;
        if same {
            earlier.1 = earlier.1.max(later.1);
        }
        same
    });
    let mut padded = Padded::new(text, insertions);
    let record = !closers.is_empty() || !quotes.is_empty();
    for _ in 0..64 {
        let (loaded, closes, quoted) = load_strict_recording(&padded.text, record);
        let under_indented = loaded.root.is_none()
            && loaded
                .problems
                .last()
                .is_some_and(|p| p.message.ends_with(UNDER_INDENTED));
        if !under_indented {
            // The closers were found by scanning, not parsing: keep the tree only if every
            // padded line really starts with a bracket that closes a flow collection, so a
            // misread line (say inside a block scalar, whose spaces are its value) was not
            // touched.
            if loaded.root.is_some()
                && !(closers
                    .iter()
                    .all(|c| closes.binary_search(&padded.to_padded(c.bracket)).is_ok())
                    && quotes
                        .iter()
                        .all(|&q| quoted.binary_search(&padded.to_padded(q)).is_ok()))
            {
                return None;
            }
            let map = |span: Span| Span {
                start: padded.to_original(span.start as usize) as u32,
                end: padded.to_original(span.end as usize) as u32,
            };
            let owned = |node: Node<'_>| rebase(node, text, &map);
            let root = loaded.root.map(owned);
            let more = loaded.more.into_iter().map(owned).collect();
            let mut problems = loaded.problems;
            for problem in &mut problems {
                problem.span = map(problem.span);
                problem.first = problem.first.map(map);
            }
            return Some(Loaded {
                root,
                problems,
                more,
            });
        }
        let quote = loaded.problems.last()?.span.start as usize;
        let insertions = pad_quoted_scalar(&padded.text, quote)?;
        padded.insert(text, &insertions);
    }
    None
}

/// A tree loaded from a padded text, on the text as written: its spans mapped back, and its
/// text borrowed from the file where it is written there as is (padding only ever moves whole
/// lines, so that is nearly all of it), else owned.
// Not `Node::walk`, which only reads: this one builds a new tree from the old.
fn rebase<'a>(node: Node<'_>, text: &'a str, map: &impl Fn(Span) -> Span) -> Node<'a> {
    let span = map(node.span);
    let own = |value: Cow<'_, str>, span: Span| match written_as(text, span, &value) {
        Some(raw) => Cow::Borrowed(raw),
        None => Cow::Owned(value.into_owned()),
    };
    let value = match node.value {
        Value::Scalar(s) => Value::Scalar(Scalar {
            text: own(s.text, span),
            style: s.style,
        }),
        Value::Seq(items) => Value::Seq(
            items
                .into_iter()
                .map(|item| rebase(item, text, map))
                .collect(),
        ),
        Value::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|e| {
                    let key_span = map(e.key_span);
                    Entry {
                        key: own(e.key, key_span),
                        key_span,
                        value: rebase(e.value, text, map),
                    }
                })
                .collect(),
        ),
        Value::Invalid => Value::Invalid,
    };
    Node { span, value }
}

/// A text with spaces inserted, and the way back to offsets in the text as written.
struct Padded {
    text: String,
    /// (offset in the original text, spaces inserted just before it), by increasing offset.
    insertions: Vec<(usize, usize)>,
    /// Where each insertion starts in `text`, and how many spaces precede it there.
    starts: Vec<(usize, usize)>,
}

impl Padded {
    fn new(original: &str, insertions: impl IntoIterator<Item = (usize, usize)>) -> Padded {
        let mut padded = Padded {
            text: String::new(),
            insertions: insertions.into_iter().collect(),
            starts: Vec::new(),
        };
        padded.rebuild(original);
        padded
    }

    /// Builds `text` from the original in one pass.
    fn rebuild(&mut self, original: &str) {
        let extra: usize = self.insertions.iter().map(|&(_, count)| count).sum();
        let mut text = String::with_capacity(original.len() + extra);
        self.starts.clear();
        let mut copied = 0;
        let mut before = 0;
        for &(at, count) in &self.insertions {
            text.push_str(&original[copied..at]);
            self.starts.push((text.len(), before));
            text.extend(std::iter::repeat_n(' ', count));
            copied = at;
            before += count;
        }
        text.push_str(&original[copied..]);
        self.text = text;
    }

    /// Inserts more spaces, at `(offset in text, count)` pairs in increasing order.
    fn insert(&mut self, original: &str, more: &[(usize, usize)]) {
        let mut merged: Vec<(usize, usize)> =
            Vec::with_capacity(self.insertions.len() + more.len());
        let more = more
            .iter()
            .map(|&(at, count)| (self.to_original(at), count));
        let mut old = self.insertions.iter().copied().peekable();
        let mut more = more.peekable();
        loop {
            let next = match (old.peek(), more.peek()) {
                (Some(a), Some(b)) if a.0 <= b.0 => old.next(),
                (Some(_), Some(_)) | (None, Some(_)) => more.next(),
                (Some(_), None) => old.next(),
                (None, None) => break,
            };
            let Some((at, count)) = next else { break };
            match merged.last_mut() {
                Some(last) if last.0 == at => last.1 += count,
                _ => merged.push((at, count)),
            }
        }
        self.insertions = merged;
        self.rebuild(original);
    }

    /// The original offset of an offset in `text`; inside inserted spaces, the offset they
    /// were inserted before.
    fn to_original(&self, at: usize) -> usize {
        let i = self.starts.partition_point(|&(start, _)| start < at);
        if i == 0 {
            return at;
        }
        let (start, before) = self.starts[i - 1];
        let count = self.insertions[i - 1].1;
        at - before - count.min(at - start)
    }

    /// Where an original offset is in `text` (after any spaces inserted before it).
    fn to_padded(&self, at: usize) -> usize {
        let i = self.insertions.partition_point(|&(offset, _)| offset <= at);
        match i {
            0 => at,
            _ => at + self.starts[i - 1].1 + self.insertions[i - 1].1,
        }
    }
}

/// A closing bracket, or an entry of a flow collection, at the start of a line, to move
/// right by `count` spaces inserted at `line_start`. `bracket` is the closing bracket the
/// parse must confirm: the line's own, or for an entry the outermost collection's.
struct Closer {
    line_start: usize,
    count: usize,
    bracket: usize,
}

/// Every flow collection's closing bracket or entry that starts a line indented less than
/// YAML wants but no less than the line that opened the outermost collection, in one pass
/// over the text. This is a scanner, not a parser: it follows block lines only far enough to see
/// where a value starts (after `key:`, `- `, a tag or an anchor), skips quoted scalars,
/// comments and block scalars (whose lines it overestimates, so it never pads one), and
/// within a flow collection matches brackets. When it is unsure it pads less; what it does
/// pad is checked against the parse (see `lenient`).
///
/// It also notes in `quotes` where each quoted scalar it reads as a block value starts.
fn under_indented_closers(text: &str, quotes: &mut Vec<usize>) -> Vec<Closer> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    // The indentation of the last line that held block content, and of the line that opened
    // the block scalar whose lines are being skipped.
    let mut previous_indent: Option<usize> = None;
    let mut block_scalar: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        let line_start = i;
        let indent = bytes[i..].iter().take_while(|&&b| b == b' ').count();
        let mut j = i + indent;
        let blank = bytes[j..]
            .iter()
            .take_while(|&&b| b != b'\n')
            .all(|&b| matches!(b, b' ' | b'\t' | b'\r'));
        if let Some(parent) = block_scalar {
            if blank || indent > parent {
                i = next_line(bytes, j);
                continue;
            }
            block_scalar = None;
        }
        if blank || matches!(bytes[j], b'#' | b'\t') || (indent == 0 && is_marker_line(bytes, j)) {
            i = next_line(bytes, j);
            continue;
        }
        // The column of the last `key:` or `- ` on this line.
        let mut token_col: Option<usize> = None;
        while let Some(&c) = bytes.get(j) {
            match c {
                b'-' | b'?' if is_blank_or_end(bytes, j + 1) => {
                    token_col = Some(j - line_start);
                    j = skip_spaces(bytes, j + 1);
                }
                b'{' | b'[' => {
                    let col = j - line_start;
                    let (owner, want) = if col == indent {
                        (previous_indent.map_or(col, |p| p.min(col)), col)
                    } else {
                        (indent, token_col.map_or(col, |t| t + 1))
                    };
                    let found = out.len();
                    match flow_closers(bytes, j, owner, want, &mut out) {
                        Some(end) => {
                            // An entry's line is confirmed by the outermost closing bracket.
                            for closer in &mut out[found..] {
                                if closer.bracket == ENTRY {
                                    closer.bracket = end - 1;
                                }
                            }
                            j = end;
                        }
                        None => {
                            // Unclosed, or brackets that do not match: not ours to fix.
                            out.truncate(found);
                            return out;
                        }
                    }
                    break;
                }
                b'|' | b'>' => {
                    block_scalar = Some(indent);
                    break;
                }
                b'&' | b'!' => {
                    while j < bytes.len() && !matches!(bytes[j], b' ' | b'\t' | b'\r' | b'\n') {
                        j += 1;
                    }
                    j = skip_spaces(bytes, j);
                }
                b'"' | b'\'' => {
                    let Some(end) = quoted_scalar_end(bytes, j) else {
                        return out;
                    };
                    let after = skip_spaces(bytes, end);
                    if bytes.get(after) == Some(&b':') && is_blank_or_end(bytes, after + 1) {
                        token_col = Some(j - line_start);
                        j = skip_spaces(bytes, after + 1);
                    } else {
                        quotes.push(j);
                        j = end;
                        break;
                    }
                }
                b'#' | b'\r' | b'\n' | b'*' => break,
                _ => {
                    // A plain scalar: a key if `: ` follows on this line, else the value.
                    let mut k = j;
                    let mut key = false;
                    while k < bytes.len() && !matches!(bytes[k], b'\r' | b'\n') {
                        if bytes[k] == b':' && is_blank_or_end(bytes, k + 1) {
                            key = true;
                            break;
                        }
                        if bytes[k] == b'#' && matches!(bytes[k - 1], b' ' | b'\t') {
                            break;
                        }
                        k += 1;
                    }
                    if !key {
                        j = k;
                        break;
                    }
                    token_col = Some(j - line_start);
                    j = skip_spaces(bytes, k + 1);
                }
            }
        }
        previous_indent = Some(indent);
        i = next_line(bytes, j);
    }
    out
}

/// [`Closer::bracket`] of an entry's line until its collection's end is known.
const ENTRY: usize = usize::MAX;

/// Scans the flow collection whose opening bracket is at `open`, noting each line that starts
/// with a closing bracket or an entry indented at least `owner` but less than `want` columns
/// (an entry's `bracket` is [`ENTRY`]). Returns where the collection ends, or `None` when it
/// does not close or its brackets do not match.
fn flow_closers(
    bytes: &[u8],
    open: usize,
    owner: usize,
    want: usize,
    out: &mut Vec<Closer>,
) -> Option<usize> {
    let mut stack = vec![bytes[open]];
    // Whether a quoted scalar can start here (not inside a plain scalar such as `it's`).
    let mut node_start = true;
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                let line_start = i + 1;
                let indent = bytes[line_start..]
                    .iter()
                    .take_while(|&&b| b == b' ')
                    .count();
                let first = line_start + indent;
                if owner <= indent && indent < want {
                    match bytes.get(first) {
                        Some(b'}' | b']') => out.push(Closer {
                            line_start,
                            count: want - indent,
                            bracket: first,
                        }),
                        // Blank lines and comments need no padding; `---` or `...` at the
                        // start of a line ends the document, even inside a collection.
                        None | Some(b'\r' | b'\n' | b'#' | b'\t') => {}
                        Some(_) if indent == 0 && is_marker_line(bytes, first) => {}
                        Some(_) => out.push(Closer {
                            line_start,
                            count: want - indent,
                            bracket: ENTRY,
                        }),
                    }
                }
                i = first;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b'#' if matches!(bytes[i - 1], b' ' | b'\t' | b'\n' | b'\r') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'{' | b'[' => {
                stack.push(bytes[i]);
                node_start = true;
                i += 1;
            }
            close @ (b'}' | b']') => {
                let opened = stack.pop()?;
                if (opened == b'{') != (close == b'}') {
                    return None;
                }
                i += 1;
                node_start = false;
                if stack.is_empty() {
                    return Some(i);
                }
            }
            b',' => {
                node_start = true;
                i += 1;
            }
            b':' => {
                // A value starts after `: `, or right after a quoted key (`"a":"b"`).
                node_start = is_blank_or_end(bytes, i + 1)
                    || matches!(bytes[i - 1], b'"' | b'\'' | b'}' | b']');
                i += 1;
            }
            b'"' | b'\'' if node_start => {
                i = quoted_scalar_end(bytes, i)?;
                node_start = false;
            }
            _ => {
                node_start = false;
                i += 1;
            }
        }
    }
    None
}

/// Just after the closing quote of the quoted scalar opening at `quote`, if it closes.
fn quoted_scalar_end(bytes: &[u8], quote: usize) -> Option<usize> {
    let delimiter = bytes[quote];
    let mut i = quote + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if delimiter == b'"' => i += 2,
            b'\'' if delimiter == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == delimiter => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// `---`, `...` or a `%` directive at the start of a line.
fn is_marker_line(bytes: &[u8], at: usize) -> bool {
    bytes[at] == b'%'
        || ((bytes[at..].starts_with(b"---") || bytes[at..].starts_with(b"..."))
            && is_blank_or_end(bytes, at + 3))
}

fn is_blank_or_end(bytes: &[u8], at: usize) -> bool {
    matches!(bytes.get(at), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
}

fn skip_spaces(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\t')) {
        at += 1;
    }
    at
}

/// Just after the next line break at or after `at`, or the end of the text.
fn next_line(bytes: &[u8], at: usize) -> usize {
    memchr::memchr(b'\n', &bytes[at.min(bytes.len())..]).map_or(bytes.len(), |i| at + i + 1)
}

/// Where to insert spaces so every continuation line of the quoted scalar opening at `quote`
/// is indented past the opening quote: `(offset, count)` pairs in increasing order.
fn pad_quoted_scalar(text: &str, quote: usize) -> Option<Vec<(usize, usize)>> {
    let bytes = text.as_bytes();
    let delimiter = *bytes.get(quote)?;
    if delimiter != b'\'' && delimiter != b'"' {
        return None;
    }
    let line_start = text[..quote].rfind('\n').map_or(0, |i| i + 1);
    let want = text[line_start..quote].chars().count() + 1;
    let mut out = Vec::new();
    let mut i = quote + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if delimiter == b'"' => i += 2,
            b'\'' if delimiter == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == delimiter => return Some(out),
            b'\n' => {
                let start = i + 1;
                let indent = bytes[start..].iter().take_while(|&&b| b == b' ').count();
                let blank = matches!(bytes.get(start + indent), Some(b'\n' | b'\r') | None);
                if !blank && indent < want {
                    out.push((start, want - indent));
                }
                i = start;
            }
            _ => i += 1,
        }
    }
    None
}

fn load_strict(text: &str) -> Loaded<'_> {
    load_strict_recording(text, false).0
}

/// Loads strictly and, when `record` is set, also returns the offset of every flow
/// collection's closing bracket, in increasing order (they close in text order), and of
/// every quoted scalar's opening quote, in increasing order.
fn load_strict_recording(text: &str, record: bool) -> (Loaded<'_>, Vec<usize>, Vec<usize>) {
    let mut builder = Builder {
        more: Vec::new(),
        closes: record.then(Vec::new),
        quotes: Vec::new(),
        text,
        parser: Parser::new_from_str(text),
        chars: CharToByte::new(text),
        problems: Vec::new(),
        alias_problems: 0,
        last_end: 0,
        budget: Budget::for_text(text.len()),
    };
    let root = builder.document().ok().flatten();
    builder.finish_alias_problems();
    let loaded = Loaded {
        root,
        problems: builder.problems,
        more: builder.more,
    };
    (loaded, builder.closes.unwrap_or_default(), builder.quotes)
}

/// The loader stopped: a `Syntax` problem has been recorded.
struct Abort;

struct Builder<'a> {
    /// The documents after the first.
    more: Vec<Node<'a>>,
    /// Where flow collections close, when the caller wants to know.
    closes: Option<Vec<usize>>,
    /// Where quoted scalars open, when `closes` is recorded.
    quotes: Vec<usize>,
    text: &'a str,
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    chars: CharToByte,
    problems: Vec<LoadProblem>,
    alias_problems: usize,
    /// Byte offset where the previous event ended; block scalars search from here for their
    /// `|` or `>` indicator.
    last_end: usize,
    budget: Budget,
}

type Ev<'a> = (Event<'a>, Span);

impl<'a> Builder<'a> {
    fn next(&mut self) -> Result<Ev<'a>, Abort> {
        match self.parser.next_event() {
            Some(Ok((event, span))) => {
                let span = Span::new(
                    self.chars.byte(span.start.index()),
                    self.chars.byte(span.end.index()),
                );
                Ok((event, span))
            }
            Some(Err(err)) => Err(self.scan_error(&err)),
            None => Err(self.syntax(Span::empty(self.text.len()), "unexpected end of file")),
        }
    }

    fn scan_error(&mut self, err: &ScanError) -> Abort {
        let mut at = self.chars.byte(err.marker().index()).min(self.text.len());
        // saphyr marks a tab in indentation just after the tab: point at the tab itself.
        if err.info().contains("tabs") && at > 0 && self.text.as_bytes()[at - 1] == b'\t' {
            at -= 1;
        }
        let end = next_char_end(self.text, at);
        self.syntax(Span::new(at, end), &format!("invalid YAML: {}", err.info()))
    }

    fn syntax(&mut self, span: Span, message: &str) -> Abort {
        self.problems.push(LoadProblem {
            kind: ProblemKind::Syntax,
            span,
            message: message.to_owned(),
            first: None,
        });
        Abort
    }

    /// Counts `bytes` more of tree; stops loading at `span` once over the budget.
    #[inline]
    fn spend(&mut self, bytes: usize, span: Span) -> Result<(), Abort> {
        if self.budget.spend(bytes) {
            Ok(())
        } else {
            Err(self.over_budget(span))
        }
    }

    #[cold]
    fn over_budget(&mut self, span: Span) -> Abort {
        let problem = self.budget.exceeded(self.text, span.start as usize);
        self.problems.push(problem);
        Abort
    }

    /// A scalar's text as the tree keeps it: borrowed from the file where it is written as is
    /// (plain, or quoted without escapes), as nearly every scalar is. saphyr hands each one
    /// over in its own buffer of at least 129 bytes, which made a one-character scalar cost
    /// hundreds of bytes; text that must stay owned (escapes, folded lines) is trimmed to fit.
    #[inline]
    fn settle(&mut self, text: Cow<'a, str>, span: Span) -> Result<Cow<'a, str>, Abort> {
        let Cow::Owned(mut owned) = text else {
            return Ok(text);
        };
        if let Some(raw) = written_as(self.text, span, &owned) {
            return Ok(Cow::Borrowed(raw));
        }
        self.spend(Budget::string(owned.len()), span)?;
        owned.shrink_to_fit();
        Ok(Cow::Owned(owned))
    }

    /// A problem that does not stop loading.
    fn note(&mut self, span: Span, message: String) {
        self.problems.push(LoadProblem {
            kind: ProblemKind::Syntax,
            span,
            message,
            first: None,
        });
    }

    fn document(&mut self) -> Result<Option<Node<'a>>, Abort> {
        let (first, _) = self.next()?;
        debug_assert!(matches!(first, Event::StreamStart));
        let (event, _) = self.next()?;
        match event {
            Event::StreamEnd => return Ok(None),
            Event::DocumentStart(_) => {}
            _ => return Ok(None),
        }
        let ev = self.next()?;
        let root = self.node(ev, 0)?;
        // A problem in a later document is recorded; the first document stays loaded.
        let _ = self.later_documents();
        Ok(Some(root))
    }

    /// After the first document: DocumentEnd, then either the end of the stream or more
    /// documents. CloudFormation reads one document per template and rejects the rest, which
    /// is reported once, where the second starts; the documents are loaded all the same (one
    /// pass, as the first), so the caller can tell a template among them from a file that
    /// holds none.
    fn later_documents(&mut self) -> Result<(), Abort> {
        loop {
            let (event, span) = self.next()?;
            match event {
                Event::DocumentEnd => continue,
                Event::DocumentStart(_) => {
                    if self.more.is_empty() {
                        self.note(span, SECOND_DOCUMENT.into());
                    }
                    let ev = self.next()?;
                    let node = self.node(ev, 0)?;
                    self.more.push(node);
                }
                _ => return Ok(()),
            }
        }
    }

    fn node(&mut self, (event, span): Ev<'a>, depth: usize) -> Result<Node<'a>, Abort> {
        if depth > MAX_DEPTH {
            return Err(self.syntax(
                Span::new(
                    span.start as usize,
                    next_char_end(self.text, span.start as usize),
                ),
                &format!("nesting is deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.spend(size_of::<Node>(), span)?;
        let search_from = self.last_end;
        self.last_end = span.end as usize;
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                if anchor != 0 {
                    self.anchor_problem(span);
                }
                let tag_end = tag.as_ref().map(|_| self.tag_end(span));
                let value_start = tag_end.map_or(span.start as usize, |end| {
                    skip_blanks(self.text, end).min(span.end as usize)
                });
                let scalar_span = match style {
                    ScalarStyle::Literal | ScalarStyle::Folded => {
                        self.block_scalar_span(tag_end.unwrap_or(search_from), span)
                    }
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                        let start = value_start.max(tag_end.unwrap_or(0));
                        if self.closes.is_some() {
                            self.quotes.push(start);
                        }
                        Span::new(start, quoted_end(self.text, start, span.end as usize))
                    }
                    _ => Span::new(value_start.max(tag_end.unwrap_or(0)), span.end as usize),
                };
                let text = self.settle(text, scalar_span)?;
                let node = Node {
                    span: scalar_span,
                    value: Value::Scalar(Scalar {
                        text,
                        style: convert_style(style),
                    }),
                };
                match tag {
                    Some(tag) => self.wrap_tag(&tag, span, tag_end.unwrap_or(0), node),
                    None => Ok(node),
                }
            }
            Event::SequenceStart(anchor, tag) => {
                if anchor != 0 {
                    self.anchor_problem(span);
                }
                let tag_end = tag.as_ref().map(|_| self.tag_end(span));
                let start = tag_end.map_or(span.start as usize, |end| skip_blanks(self.text, end));
                let mut items = Vec::new();
                let mut end = span.end as usize;
                loop {
                    let ev = self.next()?;
                    if let Event::SequenceEnd = ev.0 {
                        end = end.max(flow_end(&ev.1)).max(self.content_end(&items));
                        let close = self.flow_close(start, &ev.1, b'[', b']');
                        self.record_close(close);
                        end = close.unwrap_or(end);
                        self.last_end = end;
                        break;
                    }
                    let item = self.node(ev, depth + 1)?;
                    super::push(&mut items, item);
                }
                let node = Node {
                    span: Span::new(start, end.max(start)),
                    value: Value::Seq(super::fit(items)),
                };
                match tag {
                    Some(tag) => self.wrap_tag(&tag, span, tag_end.unwrap_or(0), node),
                    None => Ok(node),
                }
            }
            Event::MappingStart(anchor, tag) => {
                if anchor != 0 {
                    self.anchor_problem(span);
                }
                let tag_end = tag.as_ref().map(|_| self.tag_end(span));
                let start = tag_end.map_or(span.start as usize, |end| skip_blanks(self.text, end));
                let mut map = MapBuilder::default();
                let mut end = span.end as usize;
                loop {
                    let key_ev = self.next()?;
                    if let Event::MappingEnd = key_ev.0 {
                        end = end.max(flow_end(&key_ev.1));
                        if let Some(last) = map.last() {
                            end = end.max(last.value.span.end as usize);
                        }
                        let close = self.flow_close(start, &key_ev.1, b'{', b'}');
                        self.record_close(close);
                        end = close.unwrap_or(end);
                        self.last_end = end;
                        break;
                    }
                    let key_span = key_ev.1;
                    let key = match key_ev.0 {
                        Event::Scalar(text, style, anchor, tag)
                            if tag.as_deref().is_none_or(is_non_specific) =>
                        {
                            // `! "Ref": x`: the key is the string after the tag.
                            let key_span = match tag {
                                Some(_) => Span::new(
                                    skip_blanks(self.text, self.tag_end(key_span))
                                        .min(key_span.end as usize),
                                    key_span.end as usize,
                                ),
                                None => key_span,
                            };
                            if anchor != 0 {
                                self.anchor_problem(key_span);
                            }
                            self.last_end = key_span.end as usize;
                            if text == "<<" && style == ScalarStyle::Plain {
                                self.merge_problem(key_span);
                            }
                            Some((self.settle(text, key_span)?, key_span))
                        }
                        other => {
                            // A complex or tagged key: read it to stay in step, then report.
                            let node = self.node((other, key_span), depth + 1)?;
                            self.note(
                                node.span,
                                "a mapping key must be a plain string in a CloudFormation template"
                                    .into(),
                            );
                            None
                        }
                    };
                    let value_ev = self.next()?;
                    let value = self.node(value_ev, depth + 1)?;
                    if let Some((key, key_span)) = key {
                        self.spend(size_of::<Entry>() - size_of::<Node>(), key_span)?;
                        map.insert(
                            Entry {
                                key,
                                key_span,
                                value,
                            },
                            &mut self.problems,
                        );
                    }
                }
                let node = Node {
                    span: Span::new(start, end.max(start)),
                    value: Value::Map(map.finish()),
                };
                match tag {
                    Some(tag) => self.wrap_tag(&tag, span, tag_end.unwrap_or(0), node),
                    None => Ok(node),
                }
            }
            Event::Alias(_) => {
                self.alias_problem(
                    span,
                    "aliases (`*name`) are not supported by CloudFormation; write the value out",
                );
                Ok(Node {
                    span,
                    value: Value::Invalid,
                })
            }
            // The parser only emits these where the grammar allows; treat as empty.
            _ => Ok(Node {
                span,
                value: Value::Invalid,
            }),
        }
    }

    /// Where a node's tag text ends (`!Sub` in `!Sub x`).
    /// A flow collection opened at `start` ends just after its closing bracket, which the
    /// end event's mark points at; the mark's end can lie past it, over a comment.
    fn flow_close(&self, start: usize, end_event: &Span, open: u8, close: u8) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let mut at = end_event.start as usize;
        // After a trailing comma (`{a: 1,}`) the end event can sit on the comma: the closer
        // is past it and any blanks, so the collection's span ends at its bracket. Each round
        // passes a comma, so the loop ends.
        loop {
            let next = skip_blanks(self.text, at);
            if bytes.get(next) == Some(&b',') {
                at = next + 1;
            } else {
                at = next;
                break;
            }
        }
        (bytes.get(start) == Some(&open) && bytes.get(at) == Some(&close)).then_some(at + 1)
    }

    /// Notes the closing bracket of a flow collection that ends at `close`.
    fn record_close(&mut self, close: Option<usize>) {
        if let (Some(closes), Some(end)) = (&mut self.closes, close) {
            closes.push(end - 1);
        }
    }

    fn tag_end(&self, span: Span) -> usize {
        let start = span.start as usize;
        let rest = &self.text[start..];
        let len = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '[' | ']' | '{' | '}' | ','))
            .unwrap_or(rest.len());
        start + len
    }

    /// A block scalar's span runs from its `|` or `>` indicator to the end of its content;
    /// the parser's span starts at the content and includes trailing line breaks.
    fn block_scalar_span(&self, search_from: usize, event: Span) -> Span {
        let content_end = event.end as usize;
        let mut start = event.start as usize;
        let bytes = self.text.as_bytes();
        let mut i = search_from.min(content_end);
        while i < content_end {
            match bytes[i] {
                b'#' => {
                    while i < content_end && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b'|' | b'>' => {
                    start = i;
                    break;
                }
                _ => i += 1,
            }
        }
        let trimmed = self.text[start..content_end].trim_end_matches([' ', '\t', '\r', '\n']);
        Span::new(start, start + trimmed.len())
    }

    fn content_end(&self, items: &[Node<'a>]) -> usize {
        items.last().map_or(0, |n| n.span.end as usize)
    }

    /// Rewrites a tagged node to CloudFormation's long form.
    fn wrap_tag(
        &mut self,
        tag: &Tag,
        event: Span,
        tag_end: usize,
        inner: Node<'a>,
    ) -> Result<Node<'a>, Abort> {
        let tag_span = Span::new(event.start as usize, tag_end);
        if is_non_specific(tag) {
            // `!` alone asks for no type: the node is read as if untagged, as PyYAML and
            // cfn-lint read it.
            return Ok(inner);
        }
        if tag.is_yaml_core_schema() {
            return Ok(self.core_tag(&tag.suffix, tag_span, inner));
        }
        if tag.handle != "!" {
            // saphyr's `Display` writes a verbatim tag (`!<x>`, an empty handle) as `!x`.
            let written = match tag.handle.as_str() {
                "" => format!("!<{}>", tag.suffix),
                _ => tag.to_string(),
            };
            self.note(
                tag_span,
                format!("the tag `{written}` is not one CloudFormation understands"),
            );
            return Ok(inner);
        }
        let name = tag.suffix.as_str();
        let long = FUNCTION_TAGS.iter().find(|long| &long[4..] == name);
        let key: Cow<'a, str> = match (name, long) {
            ("Ref", _) => Cow::Borrowed("Ref"),
            ("Condition", _) => Cow::Borrowed("Condition"),
            (_, Some(long)) => Cow::Borrowed(long),
            // Tool-specific tags (rain's `!Rain::Embed`) keep their name, as in their JSON form.
            _ => {
                self.spend(Budget::string(name.len()), tag_span)?;
                Cow::Owned(name.to_owned())
            }
        };
        // The map that holds the tagged node as its one entry.
        self.spend(size_of::<Node>() + size_of::<Entry>(), tag_span)?;
        let inner = if name == "GetAtt" {
            self.spend(2 * size_of::<Node>(), tag_span)?;
            split_get_att(self.text, inner)
        } else {
            inner
        };
        let span = Span::new(
            tag_span.start as usize,
            (inner.span.end as usize).max(tag_end),
        );
        Ok(Node {
            span,
            value: Value::Map(vec![Entry {
                key,
                key_span: tag_span,
                value: inner,
            }]),
        })
    }

    /// `!!str` and friends: CloudFormation accepts the core schema's plain types and rejects
    /// `binary`, `omap`, `pairs`, `set` and `timestamp` (template-formats, R9).
    fn core_tag(&mut self, suffix: &str, tag_span: Span, mut inner: Node<'a>) -> Node<'a> {
        match suffix {
            "str" => {
                if let Value::Scalar(s) = &mut inner.value
                    && s.style == Style::Plain
                {
                    s.style = Style::SingleQuoted;
                }
                inner
            }
            "int" | "float" | "bool" | "null" | "map" | "seq" => inner,
            other => {
                self.note(
                    tag_span,
                    format!("CloudFormation does not support the YAML tag `!!{other}`"),
                );
                inner
            }
        }
    }

    fn anchor_problem(&mut self, span: Span) {
        let region = &self.text[span.range()];
        let at = region
            .find('&')
            .map_or(span.start as usize, |i| span.start as usize + i);
        let end = self.text[at..]
            .find(char::is_whitespace)
            .map_or(self.text.len(), |i| at + i);
        self.alias_problem(
            Span::new(at, end),
            "anchors (`&name`) are not supported by CloudFormation; write the value out where it is used",
        );
    }

    fn merge_problem(&mut self, span: Span) {
        self.alias_problem(
            span,
            "merge keys (`<<`) are not supported by CloudFormation; write the keys out",
        );
    }

    fn alias_problem(&mut self, span: Span, message: &str) {
        self.alias_problems += 1;
        if self.alias_problems <= MAX_ALIAS_PROBLEMS {
            self.note(span, message.to_owned());
        }
    }

    fn finish_alias_problems(&mut self) {
        let hidden = self.alias_problems.saturating_sub(MAX_ALIAS_PROBLEMS);
        if hidden > 0
            && let Some(last) = self
                .problems
                .iter_mut()
                .rev()
                .find(|p| p.message.contains("not supported by CloudFormation"))
        {
            last.message.push_str(&format!(
                " ({hidden} more anchors, aliases or merge keys are not shown)"
            ));
        }
    }
}

/// `!GetAtt Key.Arn` is `["Key", "Arn"]`, split at the first dot, each part with its own span.
fn split_get_att<'a>(text: &'a str, node: Node<'a>) -> Node<'a> {
    let Value::Scalar(scalar) = &node.value else {
        return node;
    };
    let Some(dot) = scalar.text.find('.') else {
        return node;
    };
    let raw = &text[node.span.range()];
    // Exact part spans when the text is written as is (plain, or quoted without escapes).
    let offset = if raw == scalar.text {
        Some(node.span.start as usize)
    } else if raw.len() == scalar.text.len() + 2 && raw[1..raw.len() - 1] == *scalar.text {
        Some(node.span.start as usize + 1)
    } else {
        None
    };
    let (resource, attribute) = (&scalar.text[..dot], &scalar.text[dot + 1..]);
    let (first_span, second_span) = match offset {
        Some(at) => (
            Span::new(at, at + dot),
            Span::new(at + dot + 1, at + scalar.text.len()),
        ),
        None => (node.span, node.span),
    };
    // Each part borrows the file's text where it is written as is.
    let part = |s: &str, span: Span| Node {
        span,
        value: Value::Scalar(Scalar {
            text: match (offset, text.get(span.range())) {
                (Some(_), Some(raw)) if raw == s => Cow::Borrowed(raw),
                _ => Cow::Owned(s.to_owned()),
            },
            style: scalar.style,
        }),
    };
    Node {
        span: node.span,
        value: Value::Seq(vec![
            part(resource, first_span),
            part(attribute, second_span),
        ]),
    }
}

fn convert_style(style: ScalarStyle) -> Style {
    match style {
        ScalarStyle::Plain => Style::Plain,
        ScalarStyle::SingleQuoted => Style::SingleQuoted,
        ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
        ScalarStyle::Literal => Style::Literal,
        ScalarStyle::Folded => Style::Folded,
    }
}

/// YAML's non-specific tag `!` (saphyr: an empty handle and the suffix `!`), which asks for no
/// type: `! "Ref"` is the string `Ref`.
fn is_non_specific(tag: &Tag) -> bool {
    tag.handle.is_empty() && tag.suffix == "!"
}

/// The end of a flow collection's closing bracket; block collections end with an empty span.
/// The end of a quoted scalar that starts at `start`: just after its closing quote. The
/// parser's end mark can lie past it, over blanks and a comment before the next token.
fn quoted_end(text: &str, start: usize, limit: usize) -> usize {
    let bytes = text.as_bytes();
    let limit = limit.min(bytes.len());
    let Some(&quote @ (b'\'' | b'"')) = bytes.get(start) else {
        return limit;
    };
    let mut i = start + 1;
    while i < limit {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            // `''` inside single quotes is one quote.
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    limit
}

/// The file's text at `span` when it is `value` as written: the whole span (a plain scalar),
/// or the span within its quotes (a quoted scalar without escapes).
#[inline]
fn written_as<'a>(text: &'a str, span: Span, value: &str) -> Option<&'a str> {
    let raw = text.get(span.range())?;
    if raw == value {
        return Some(raw);
    }
    let inner = raw.strip_prefix(['\'', '"'])?.strip_suffix(['\'', '"'])?;
    (inner == value).then_some(inner)
}

fn flow_end(span: &Span) -> usize {
    if span.is_empty() {
        0
    } else {
        span.end as usize
    }
}

/// Skips spaces, line breaks and comments.
fn skip_blanks(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    while at < bytes.len() {
        match bytes[at] {
            b' ' | b'\t' | b'\r' | b'\n' => at += 1,
            b'#' => {
                while at < bytes.len() && bytes[at] != b'\n' {
                    at += 1;
                }
            }
            _ => break,
        }
    }
    at
}

/// Builds a map's entries, reporting duplicate keys and keeping the last definition.
///
/// Linear in the number of keys, duplicates or not: a replaced entry leaves a hole that
/// [`MapBuilder::finish`] closes in one pass, so the entries keep their source order (the last
/// definition of a key where it was written) without moving the rest on every duplicate.
#[derive(Default)]
pub(crate) struct MapBuilder<'a> {
    /// `None` where an entry was replaced by a later definition of its key.
    slots: Vec<Option<Entry<'a>>>,
    /// Entries in `slots` that are still there.
    live: usize,
    /// Key to slot, built only for large maps, where a linear search per key would be
    /// quadratic.
    index: Option<HashMap<Cow<'a, str>, usize>>,
}

const INDEX_THRESHOLD: usize = 16;

impl<'a> MapBuilder<'a> {
    pub(crate) fn insert(&mut self, entry: Entry<'a>, problems: &mut Vec<LoadProblem>) {
        let existing = match &self.index {
            Some(index) => index.get(entry.key.as_ref()).copied(),
            None => self
                .slots
                .iter()
                .position(|slot| slot.as_ref().is_some_and(|e| e.key == entry.key)),
        };
        if let Some(first) = existing.and_then(|at| self.slots[at].take()) {
            problems.push(LoadProblem {
                kind: ProblemKind::DuplicateKey,
                span: entry.key_span,
                message: format!("`{}` is defined twice in this mapping", entry.key),
                first: Some(first.key_span),
            });
            self.live -= 1;
        }
        let at = self.slots.len();
        if let Some(index) = &mut self.index {
            index.insert(entry.key.clone(), at);
        }
        super::push(&mut self.slots, Some(entry));
        self.live += 1;
        if self.index.is_none() && self.slots.len() > INDEX_THRESHOLD {
            self.index = Some(
                self.slots
                    .iter()
                    .enumerate()
                    .filter_map(|(i, slot)| Some((slot.as_ref()?.key.clone(), i)))
                    .collect(),
            );
        }
    }

    /// The last entry added.
    pub(crate) fn last(&self) -> Option<&Entry<'a>> {
        self.slots.last().and_then(Option::as_ref)
    }

    /// The entries, in source order, with no spare capacity (see [`super::fit`]). A large
    /// map reuses the slots' memory rather than being copied into a second allocation.
    pub(crate) fn finish(self) -> Vec<Entry<'a>> {
        drop(self.index);
        // `filter_map` is collected in place (`Option<Entry>` and `Entry` have one size);
        // `flatten` is not, and would build a second, doubling vector.
        #[allow(clippy::filter_map_identity)]
        let entries: Vec<Entry<'a>> = self.slots.into_iter().filter_map(|slot| slot).collect();
        super::fit(entries)
    }
}

/// Maps saphyr's character indices to byte offsets. Only files with non-ASCII text need it,
/// and it stores one checkpoint per multi-byte character, not one per character.
struct CharToByte {
    /// (character index just after a multi-byte character, its byte offset)
    checkpoints: Vec<(usize, usize)>,
}

impl CharToByte {
    fn new(text: &str) -> CharToByte {
        if text.is_ascii() {
            return CharToByte {
                checkpoints: Vec::new(),
            };
        }
        let checkpoints = text
            .char_indices()
            .enumerate()
            .filter(|(_, (_, c))| c.len_utf8() > 1)
            .map(|(chars, (byte, c))| (chars + 1, byte + c.len_utf8()))
            .collect();
        CharToByte { checkpoints }
    }

    fn byte(&self, char_index: usize) -> usize {
        match self.checkpoints.partition_point(|&(c, _)| c <= char_index) {
            0 => char_index,
            n => {
                let (c, b) = self.checkpoints[n - 1];
                b + (char_index - c)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node<'_> {
        let loaded = load(text);
        assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
        loaded.root.unwrap()
    }

    fn slice(text: &str, span: Span) -> &str {
        &text[span.range()]
    }

    #[test]
    fn quoted_scalars_and_flow_collections_end_at_their_closing_character() {
        let text =
            "a: 'bad two' # c\nb: \"x\\\"y\"   \nc: [a, b]   # d\nd: {k: v}  # e\ne: 'it''s'  \n";
        let doc = root(text);
        assert_eq!(slice(text, doc.get("a").unwrap().span), "'bad two'");
        assert_eq!(slice(text, doc.get("b").unwrap().span), "\"x\\\"y\"");
        assert_eq!(slice(text, doc.get("c").unwrap().span), "[a, b]");
        assert_eq!(slice(text, doc.get("d").unwrap().span), "{k: v}");
        assert_eq!(slice(text, doc.get("e").unwrap().span), "'it''s'");
    }

    #[test]
    fn short_forms_become_long_forms_with_the_tag_as_key_span() {
        let text = "a: !Sub x-${y}\nb: !GetAtt Key.Arn\nc: !Ref\n";
        let doc = root(text);
        let sub = doc.entry("a").unwrap();
        let (name, key_span, arg) = sub.value.intrinsic().unwrap();
        assert_eq!(name, "Fn::Sub");
        assert_eq!(slice(text, key_span), "!Sub");
        assert_eq!(slice(text, arg.span), "x-${y}");
        let (name, _, arg) = doc.get("b").unwrap().intrinsic().unwrap();
        assert_eq!(name, "Fn::GetAtt");
        let parts = arg.as_seq().unwrap();
        assert_eq!(slice(text, parts[0].span), "Key");
        assert_eq!(slice(text, parts[1].span), "Arn");
        let (name, _, arg) = doc.get("c").unwrap().intrinsic().unwrap();
        assert_eq!(name, "Ref");
        assert_eq!(arg.as_str(), Some(""));
    }

    #[test]
    fn spans_are_bytes_after_multibyte_characters() {
        let text = "a: 🔑é\nb: ’x’\n";
        let doc = root(text);
        assert_eq!(slice(text, doc.get("b").unwrap().span), "’x’");
    }

    #[test]
    fn block_scalars_span_from_their_indicator() {
        let text = "p: |  # c\n  {\"a\": 1}\n\nq: 1\n";
        let doc = root(text);
        assert_eq!(
            slice(text, doc.get("p").unwrap().span),
            "|  # c\n  {\"a\": 1}"
        );
    }

    #[test]
    fn duplicates_keep_the_last_and_point_at_the_first() {
        let text = "a: 1\nb: 2\na: 3\n";
        let loaded = load(text);
        let root = loaded.root.unwrap();
        assert_eq!(root.get("a").unwrap().as_str(), Some("3"));
        assert_eq!(root.as_map().unwrap().len(), 2);
        let problem = &loaded.problems[0];
        assert_eq!(problem.kind, ProblemKind::DuplicateKey);
        assert_eq!(problem.span, Span::new(10, 11));
        assert_eq!(problem.first, Some(Span::new(0, 1)));
    }

    #[test]
    fn duplicates_in_large_maps_are_found_too() {
        let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        text.push_str("k7: again\n");
        let loaded = load(&text);
        assert_eq!(loaded.problems.len(), 1);
        assert_eq!(
            loaded.root.unwrap().get("k7").unwrap().as_str(),
            Some("again")
        );
    }

    #[test]
    fn anchors_aliases_and_merge_keys_are_reported_not_expanded() {
        let text = "a: &x 1\nb: *x\nc: {<<: *x}\n";
        let loaded = load(text);
        let spans: Vec<&str> = loaded
            .problems
            .iter()
            .map(|p| slice(text, p.span))
            .collect();
        assert_eq!(spans, ["&x", "*x", "<<", "*x"]);
    }

    #[test]
    fn deep_nesting_is_a_problem_not_a_crash() {
        let text = "a:\n".to_owned()
            + &(1..400)
                .map(|i| format!("{}k:\n", " ".repeat(i)))
                .collect::<String>();
        let loaded = load(&text);
        assert!(loaded.root.is_none());
        assert!(loaded.problems[0].message.contains("nesting"));
        let flow = "[".repeat(100_000);
        assert!(load(&flow).root.is_none());
    }

    #[test]
    fn syntax_errors_have_positions() {
        let text = "a: [1, 2\nb: 3\n";
        let loaded = load(text);
        assert!(loaded.root.is_none());
        assert_eq!(loaded.problems[0].kind, ProblemKind::Syntax);
        assert_eq!(loaded.problems[0].span.start, 10);
    }

    #[test]
    fn under_indented_quoted_scalars_load_as_pyyaml_loads_them() {
        let text = "a:\n  b:\n    c: !Sub '{\n  \"x\": 1\n}'\n    d: ’z\n";
        let loaded = load(text);
        assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
        let root = loaded.root.unwrap();
        let b = root.get("a").unwrap().get("b").unwrap();
        let (_, _, sub) = b.get("c").unwrap().intrinsic().unwrap();
        assert_eq!(sub.as_str(), Some("{ \"x\": 1 }"));
        assert_eq!(slice(text, b.get("d").unwrap().span), "’z");
        assert_eq!(slice(text, sub.span), "'{\n  \"x\": 1\n}'");
    }

    #[test]
    fn scalars_borrow_the_text_where_it_is_written_as_is() {
        let text =
            "a: plain\nb: 'single'\nc: \"double\"\nd: \"esc\\n\"\ne: 'it''s'\nf: !GetAtt K.Arn\n";
        let doc = root(text);
        let text_of = |key: &str| doc.get(key).unwrap().scalar().unwrap().text.clone();
        for (key, value) in [("a", "plain"), ("b", "single"), ("c", "double")] {
            assert!(
                matches!(text_of(key), Cow::Borrowed(v) if v == value),
                "{key}"
            );
        }
        assert!(matches!(text_of("d"), Cow::Owned(v) if v == "esc\n"));
        assert!(matches!(text_of("e"), Cow::Owned(v) if v == "it's"));
        assert!(matches!(doc.entry("a").unwrap().key, Cow::Borrowed("a")));
        let (name, _, arg) = doc.get("f").unwrap().intrinsic().unwrap();
        assert_eq!(name, "Fn::GetAtt");
        let parts = arg.as_seq().unwrap();
        assert!(matches!(
            parts[0].scalar().unwrap().text,
            Cow::Borrowed("K")
        ));
        assert!(matches!(
            parts[1].scalar().unwrap().text,
            Cow::Borrowed("Arn")
        ));
    }

    #[test]
    fn flow_collections_longer_than_an_implicit_key_load_whole() {
        // saphyr-parser is patched to stop treating such a collection as a possible key after
        // 1024 characters: the value must not change.
        let items: Vec<String> = (0..1000).map(|i| format!("x{i}")).collect();
        let list = format!("[{}]", items.join(", "));
        let text = format!("a: {list}\nb:\n  - {list}\n  - k: {{m: {list}}}\n");
        let doc = root(&text);
        assert_eq!(doc.get("a").unwrap().as_seq().unwrap().len(), 1000);
        let b = doc.get("b").unwrap().as_seq().unwrap();
        assert_eq!(b[0].as_seq().unwrap()[999].as_str(), Some("x999"));
        let m = b[1].get("k").unwrap().get("m").unwrap();
        assert_eq!(slice(&text, m.span), list);
        let map = format!(
            "{{{}}}",
            items
                .iter()
                .map(|i| format!("{i}: v"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert_eq!(root(&map).as_map().unwrap().len(), 1000);
        assert_eq!(
            root(&format!("[{list}, {list}]")).as_seq().unwrap().len(),
            2
        );
    }

    #[test]
    fn a_tree_over_the_budget_stops_where_it_got_to() {
        // `{a}` is a map of one entry: 112 bytes of tree for four of text, over the budget of
        // 22 times the text (at least 16 MB).
        let text = format!("[{}]", vec!["{a}"; 1 << 20].join(","));
        let loaded = load(&text);
        assert!(loaded.root.is_none());
        let problem = loaded.problems.last().unwrap();
        assert!(
            problem.message.starts_with("too large to analyse"),
            "{problem:?}"
        );
        let at = problem.span.start as usize;
        assert!(at > text.len() / 2 && at < text.len(), "{at}");
        // Within the budget, the same shape loads.
        let text = format!("[{}]", vec!["{a}"; 1 << 16].join(","));
        assert_eq!(root(&text).as_seq().unwrap().len(), 1 << 16);
    }

    #[test]
    fn a_second_document_is_reported() {
        let text = "a: 1\n---\nb: 2\n...\n---\nc: 3\n";
        let loaded = load(text);
        assert!(loaded.root.is_some());
        assert_eq!(loaded.problems.len(), 1, "{:?}", loaded.problems);
        assert_eq!(loaded.problems[0].message, SECOND_DOCUMENT);
        assert_eq!(slice(text, loaded.problems[0].span), "---");
        let more: Vec<&str> = loaded.more.iter().map(|n| slice(text, n.span)).collect();
        assert_eq!(more, ["b: 2", "c: 3"]);
    }
}
