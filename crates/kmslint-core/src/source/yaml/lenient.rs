//! The leniency: text that YAML 1.2 rejects only because some lines are indented too little
//! where indentation carries no meaning (quoted scalars' continuation lines, flow collections'
//! entries and closing brackets), loaded as PyYAML and CloudFormation load it.

use super::*;

/// Whether the strict parse stopped at a line indented too little (saphyr: "invalid
/// indentation"), which may be a flow collection's continuation line or closing bracket:
/// [`lenient`] decides, and when it cannot the strict result stands.
pub(super) fn is_under_indented_flow_line(problem: &LoadProblem) -> bool {
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
pub(super) fn lenient(text: &str, quoted: bool) -> Option<Loaded<'_>> {
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
                recovered: false,
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
pub(super) fn rebase<'a>(node: Node<'_>, text: &'a str, map: &impl Fn(Span) -> Span) -> Node<'a> {
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
