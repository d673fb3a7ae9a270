//! YAML to the located tree, through saphyr-parser's event stream.
//!
//! Why events and not a YAML library's document type: events carry a span for every node, and
//! we decide ourselves what to do with duplicate keys (report, keep the last), anchors and
//! aliases (report, never expand: CloudFormation rejects them, and a billion-laughs file cannot
//! hurt) and CloudFormation's short-form tags (rewrite to their long form).

use std::borrow::Cow;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Tag};

use super::tree::{Entry, Node, Scalar, Style, Value};
use super::{Budget, LoadProblem, Loaded, MAX_DEPTH, ProblemKind, Span, next_char_end};

/// The long forms of the short-form tags that stand for `Fn::<name>` (`!Sub` is `Fn::Sub`).
/// `!Ref` and `!Condition` keep their names. Written out so a tag's key borrows its name
/// instead of allocating it for every use. Source: CloudFormation's intrinsic function
/// reference (docs/facts/cloudformation.md#template-formats) and cfn-lint's YAML decoder.
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
    "Fn::GetStackOutput",
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

pub(crate) fn load(text: &str) -> Loaded<'_> {
    let loaded = load_strict(text);
    let loaded = match loaded.problems.last() {
        Some(problem) if loaded.root.is_none() => {
            let quoted = problem.message.ends_with(UNDER_INDENTED);
            if quoted || is_under_indented_flow_line(problem) {
                lenient(text, quoted).unwrap_or(loaded)
            } else {
                loaded
            }
        }
        _ => return loaded,
    };
    if loaded.root.is_none() {
        return recover::recover(text, &loaded).unwrap_or(loaded);
    }
    loaded
}

/// Where a second YAML document starts.
const SECOND_DOCUMENT: &str =
    "CloudFormation reads one YAML document per template; this file has more";

/// saphyr's message for a quoted scalar's continuation line indented less than YAML 1.2
/// wants.
const UNDER_INDENTED: &str = "invalid indentation in quoted scalar";

mod lenient;
mod recover;
#[cfg(test)]
mod tests;

use super::map_builder::MapBuilder;
use lenient::{is_under_indented_flow_line, lenient};

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
        recovered: false,
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

    /// Builds the node an event starts, reading the events up to its end.
    ///
    /// One function on purpose: it is one `match` over saphyr's event kinds (scalar, sequence,
    /// mapping, alias, the events a document cannot hold here), each arm short, and the
    /// sequence and mapping arms recurse into it; split up, each piece would need the builder,
    /// the event and the depth threaded through for no gain in clarity.
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
