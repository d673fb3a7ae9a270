//! Edits written the way the file is written.
//!
//! A replacement keeps the scalar's quoting (a plain scalar that would change meaning is
//! single-quoted); an inserted entry takes the indentation, key style and line endings of the
//! mapping it goes into (block or flow YAML, JSON on one line or many). Inside a key policy
//! held in a string (`KeyPolicy: |`, an escaped JSON string in a JSON template), the JSON is
//! written first and then escaped for that string. Where an edit cannot be written exactly
//! (inside a plain multi-line host, a block scalar's middle), the functions return `None` and
//! the rule offers no fix.

use crate::model::EmbeddedPolicy;
use crate::source::{Format, Node, Span, Style, Value};

use super::Edit;

/// A value to insert.
pub(crate) enum Fragment<'a> {
    Str(&'a str),
    Bool(bool),
    /// A mapping of one or more entries.
    Map(Vec<(&'a str, Fragment<'a>)>),
}

/// Where an entry goes in a mapping.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    First,
    Last,
}

pub(crate) struct Editor<'a> {
    text: &'a str,
    format: Format,
    /// The strings that hold a key policy as JSON, in file order, with their style.
    hosts: Vec<(Span, Style)>,
    eol: &'static str,
}

impl<'a> Editor<'a> {
    pub(crate) fn new(
        text: &'a str,
        format: Format,
        embedded: &[EmbeddedPolicy<'_>],
    ) -> Editor<'a> {
        let mut hosts: Vec<(Span, Style)> = embedded
            .iter()
            .filter_map(|e| Some((e.text_node.span, e.text_node.scalar()?.style)))
            .collect();
        hosts.sort_by_key(|(span, _)| span.start);
        let eol = match text.find('\n') {
            Some(i) if text[..i].ends_with('\r') => "\r\n",
            _ => "\n",
        };
        Editor {
            text,
            format,
            hosts,
            eol,
        }
    }

    /// The style of the string holding a policy as JSON that `span` is inside, if any.
    fn host(&self, span: Span) -> Option<Style> {
        let i = self.hosts.partition_point(|(h, _)| h.start <= span.start);
        let (host, style) = self.hosts.get(i.checked_sub(1)?)?;
        // Strictly inside: the host's first and last bytes are its delimiters (quotes, the
        // block header), so an insertion right after a host string is outside it.
        (host.start < span.start && span.end < host.end).then_some(*style)
    }

    /// Text of the policy's JSON escaped for the string it is in (as is outside one).
    fn in_host(&self, at: Span, json: String) -> Option<String> {
        match self.host(at) {
            None | Some(Style::Literal) => Some(json),
            Some(style) => inside(style, &json, false),
        }
    }

    /// Whether what is at `span` is JSON: a JSON file, or a policy held in a string.
    fn json_at(&self, span: Span) -> bool {
        self.format == Format::Json || self.host(span).is_some()
    }

    /// Replaces a whole scalar with `value`, keeping its quoting where it can.
    pub(crate) fn replace_scalar(&self, node: &Node<'_>, value: &str) -> Option<Edit> {
        let style = node.scalar()?.style;
        let written = scalar_text(style, value)?;
        Some(Edit::new(node.span, self.in_host(node.span, written)?))
    }

    /// Replaces a scalar with a token written as is (`true` for a YAML 1.1 `yes`): the caller
    /// knows it is valid where it goes.
    pub(crate) fn replace_raw(&self, node: &Node<'_>, token: &str) -> Option<Edit> {
        Some(Edit::new(
            node.span,
            self.in_host(node.span, token.to_owned())?,
        ))
    }

    /// Replaces a mapping key (at `span`, as the tree gives it) with `key`.
    pub(crate) fn replace_key(&self, span: Span, key: &str) -> Option<Edit> {
        let style = if self.json_at(span) {
            Style::JsonString
        } else {
            match self.text.as_bytes().get(span.start as usize) {
                Some(b'"') => Style::DoubleQuoted,
                Some(b'\'') => Style::SingleQuoted,
                _ => Style::Plain,
            }
        };
        let written = scalar_text(style, key)?;
        Some(Edit::new(span, self.in_host(span, written)?))
    }

    /// Replaces the characters at `span`, inside a string of `style`, with `value`.
    /// `at_start` says the span starts the string's content (a plain scalar cannot start
    /// with a quote).
    pub(crate) fn replace_chars(
        &self,
        span: Span,
        style: Style,
        at_start: bool,
        value: &str,
    ) -> Option<Edit> {
        let written = inside(style, value, at_start)?;
        Some(Edit::new(span, self.in_host(span, written)?))
    }

    /// Inserts `key: value` into the mapping `map`, first or last.
    pub(crate) fn insert_entry(
        &self,
        map: &Node<'_>,
        place: Place,
        key: &str,
        value: Fragment<'_>,
    ) -> Option<Edit> {
        self.insert_entries(map, place, vec![(key, value)])
    }

    /// Inserts entries into the mapping `map`, together, first or last.
    pub(crate) fn insert_entries(
        &self,
        map: &Node<'_>,
        place: Place,
        new: Vec<(&str, Fragment<'_>)>,
    ) -> Option<Edit> {
        let entries = map.as_map()?;
        let json = self.json_at(map.span);
        let flow = self.text.as_bytes().get(map.span.start as usize) == Some(&b'{');
        let Some(first) = entries.first() else {
            if !flow {
                return None;
            }
            let entry = inline(&Fragment::Map(new), json);
            return Some(Edit::new(map.span, self.in_host(map.span, entry)?));
        };
        if flow {
            return self.insert_flow(map, place, new, json);
        }
        // A mapping without braces inside a flow sequence (`[a: 1, b: 2]` holds two) is no
        // block mapping: what follows its value is a `,` or a closing bracket. No edit there.
        let last = entries.last()?;
        let ends = [last.value.span.end, last.key_span.end, map.span.end];
        let inside_flow = ends.iter().any(|&end| {
            self.text[(end as usize).min(self.text.len())..]
                .trim_start_matches([' ', '\t', '\r', '\n', ':'])
                .starts_with([',', ']', '}'])
        });
        if inside_flow {
            return None;
        }
        // A block mapping: one entry per line at the first key's column.
        let (line_start, column, alone) = self.line_of(first.key_span.start as usize);
        let indent = " ".repeat(column);
        let step = self.indent_step(map, column);
        let entry = new
            .iter()
            .map(|(key, value)| {
                format!(
                    "{indent}{}:{}",
                    self.key_text(key, false),
                    self.block_value(value, column + step, step)
                )
            })
            .collect::<Vec<_>>()
            .join(self.eol);
        if place == Place::First && alone {
            return Some(Edit::new(
                Span::empty(line_start),
                format!("{entry}{}", self.eol),
            ));
        }
        let last = entries.last()?;
        let end = last.value.span.end.max(last.key_span.end) as usize;
        Some(self.line_after(self.after_kept_lines(&last.value, end), &entry))
    }

    /// `end`, or past the blank lines after it when they belong to the value that ends there:
    /// a block scalar that keeps its final line breaks (`|+`, `>+`; YAML 1.2.2, 8.1.1.2
    /// "Block Chomping Indicator") holds them, and an entry inserted before them would take
    /// them from its value.
    fn after_kept_lines(&self, value: &Node<'_>, end: usize) -> usize {
        let mut last = value;
        loop {
            last = match &last.value {
                Value::Map(entries) => match entries.last() {
                    Some(entry) => &entry.value,
                    None => break,
                },
                Value::Seq(items) => match items.last() {
                    Some(item) => item,
                    None => break,
                },
                _ => break,
            };
        }
        let keeps = last
            .scalar()
            .is_some_and(|s| matches!(s.style, Style::Literal | Style::Folded))
            && self
                .text
                .get(last.span.start as usize..)
                .and_then(|rest| rest.strip_prefix(['|', '>']))
                .is_some_and(|rest| {
                    let header = rest.split(['\n', '\r']).next().unwrap_or_default();
                    header.split('#').next().unwrap_or_default().contains('+')
                });
        if !keeps {
            return end;
        }
        let bytes = self.text.as_bytes();
        let end = end.min(bytes.len());
        // From the start of the line after `end` (or `end`, at a line's start), over lines of
        // blanks only.
        let mut at = if end > 0 && matches!(bytes[end - 1], b'\n' | b'\r') {
            end
        } else {
            match memchr::memchr2(b'\n', b'\r', &bytes[end..]) {
                Some(i) => end + i + line_break_len(&bytes[end + i..]),
                None => return end,
            }
        };
        if bytes.get(at) == Some(&b'\n') && at > 0 && bytes[at - 1] == b'\r' {
            at += 1;
        }
        let mut kept = at;
        loop {
            let blanks = bytes[kept..]
                .iter()
                .take_while(|&&b| b == b' ' || b == b'\t')
                .count();
            match bytes.get(kept + blanks) {
                Some(b'\n' | b'\r') => kept += blanks + line_break_len(&bytes[kept + blanks..]),
                _ => break,
            }
        }
        kept
    }

    /// Inserts the line `line` after the line where `end` is (at `end` when a line ends
    /// there), with the file's line ending; at the end of a file without a final line break,
    /// the break goes before it.
    fn line_after(&self, end: usize, line: &str) -> Edit {
        let bytes = self.text.as_bytes();
        let end = end.min(bytes.len());
        // Line breaks are YAML's: `\n`, `\r\n`, and a lone `\r`.
        let at =
            if end > 0 && matches!(bytes[end - 1], b'\n' | b'\r') && bytes.get(end) != Some(&b'\n')
            {
                Some(end)
            } else {
                memchr::memchr2(b'\n', b'\r', &bytes[end..]).map(|i| {
                    let at = end + i;
                    if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
                        at + 2
                    } else {
                        at + 1
                    }
                })
            };
        match at {
            Some(at) => Edit::new(Span::empty(at), format!("{line}{}", self.eol)),
            None => Edit::new(Span::empty(bytes.len()), format!("{}{line}", self.eol)),
        }
    }

    /// Appends `item` to a list, or makes a lone scalar a list of it and `item`.
    pub(crate) fn append_item(&self, list: &Node<'_>, item: &str) -> Option<Edit> {
        let json = self.json_at(list.span);
        // In YAML, quoted as the list's last item (or the lone scalar) is quoted.
        let neighbour = match &list.value {
            Value::Seq(items) => items.last().and_then(Node::scalar),
            _ => list.scalar(),
        }
        .map(|s| s.style);
        let written = match neighbour {
            _ if json => json_string(item),
            Some(style @ (Style::SingleQuoted | Style::DoubleQuoted)) => scalar_text(style, item)?,
            _ => scalar_text(Style::Plain, item)?,
        };
        match &list.value {
            // An empty value (`Action:` with nothing after it) is not a list to add to.
            Value::Scalar(_) if list.span.is_empty() || list.is_null() => None,
            Value::Scalar(_) => {
                // The scalar is kept as written (already escaped for a policy string it is in);
                // only what is added is escaped.
                let old = &self.text[list.span.range()];
                let open = self.in_host(list.span, "[".to_owned())?;
                let close = self.in_host(list.span, format!(", {written}]"))?;
                Some(Edit::new(list.span, format!("{open}{old}{close}")))
            }
            Value::Seq(items) => {
                let last = items.last()?;
                let flow = self.text.as_bytes().get(list.span.start as usize) == Some(&b'[');
                if flow {
                    let alone = self.alone(last.span.start as usize);
                    let sep = self.separator(last.span, alone);
                    let at = Span::empty(last.span.end as usize);
                    return Some(Edit::new(at, self.in_host(at, format!(",{sep}{written}"))?));
                }
                // A block list: `- item` under the last item's dash.
                let (line_start, _, _) = self.line_of(last.span.start as usize);
                let prefix = &self.text[line_start..last.span.start as usize];
                let dash = prefix.rfind('-')?;
                if !prefix[..dash].chars().all(|c| c == ' ') || last.as_map().is_some() {
                    return None;
                }
                let entry = format!("{}- {written}", &prefix[..dash]);
                Some(self.line_after(last.span.end as usize, &entry))
            }
            _ => None,
        }
    }

    fn insert_flow(
        &self,
        map: &Node<'_>,
        place: Place,
        new: Vec<(&str, Fragment<'_>)>,
        json: bool,
    ) -> Option<Edit> {
        let entries = map.as_map()?;
        let first = entries.first()?;
        // Flow YAML written like JSON (`{"Type": …}`) gets JSON-quoted keys and values too.
        let json = json || self.text.as_bytes().get(first.key_span.start as usize) == Some(&b'"');
        let alone = self.alone(first.key_span.start as usize);
        let sep = self.separator(first.key_span, alone);
        // On many lines, a nested mapping is spread over lines too, one level deeper: as
        // deep as this mapping's keys are below the line that opens it.
        let indent = sep.strip_prefix(self.eol).map(str::to_owned);
        let step = indent.as_deref().and_then(|indent| {
            let (open, _, _) = self.line_of(map.span.start as usize);
            let opening = &self.text[open..];
            let opening = &opening[..opening.len() - opening.trim_start_matches([' ', '\t']).len()];
            indent.strip_prefix(opening).filter(|s| !s.is_empty())
        });
        let entry = new
            .iter()
            .map(|(key, value)| {
                let value = match (&indent, step) {
                    (Some(indent), Some(step)) => self.spread(value, indent, step, json),
                    _ => inline(value, json),
                };
                format!("{}: {value}", self.key_text(key, json))
            })
            .collect::<Vec<_>>()
            .join(&format!(",{sep}"));
        let (at, text) = match place {
            Place::First => (
                Span::empty(first.key_span.start as usize),
                format!("{entry},{sep}"),
            ),
            Place::Last => {
                let last = entries.last()?;
                let alone = self.alone(last.key_span.start as usize);
                let sep = self.separator(last.key_span, alone);
                let mut end = last.value.span.end.max(last.key_span.end) as usize;
                // A key with no value (`key:` in flow YAML): after its colon, not before.
                if last.value.span.end <= last.key_span.end {
                    let rest = &self.text[end..];
                    let gap = rest.len() - rest.trim_start_matches([' ', '\t']).len();
                    if rest[gap..].starts_with(':') {
                        end += gap + 1;
                    }
                }
                (Span::empty(end), format!(",{sep}{entry}"))
            }
        };
        Some(Edit::new(at, self.in_host(at, text)?))
    }

    /// A value of a flow mapping written on many lines: a nested mapping one entry a line,
    /// `step` deeper than `indent`.
    fn spread(&self, value: &Fragment<'_>, indent: &str, step: &str, json: bool) -> String {
        let Fragment::Map(entries) = value else {
            return inline(value, json);
        };
        let inner = format!("{indent}{step}");
        let lines: Vec<String> = entries
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}{inner}{}: {}",
                    self.eol,
                    self.key_text(k, json),
                    self.spread(v, &inner, step, json)
                )
            })
            .collect();
        format!("{{{}{}{indent}}}", lines.join(","), self.eol)
    }

    /// What separates items: a line break and the item's indentation when it starts its
    /// line (only outside a policy string, or in a literal block), else a space.
    fn separator(&self, item: Span, alone: bool) -> String {
        let multiline = matches!(self.host(item), None | Some(Style::Literal));
        if alone && multiline {
            let (_, column, _) = self.line_of(item.start as usize);
            let (line_start, _, _) = self.line_of(item.start as usize);
            format!(
                "{}{}",
                self.eol,
                &self.text[line_start..line_start + byte_len(&self.text[line_start..], column)]
            )
        } else {
            " ".to_owned()
        }
    }

    /// Whether only spaces and tabs precede `at` on its line. Reads back no further than the
    /// first other character, so a template on one long line costs nothing per edit.
    fn alone(&self, at: usize) -> bool {
        self.text.as_bytes()[..at.min(self.text.len())]
            .iter()
            .rev()
            .take_while(|&&b| b != b'\n' && b != b'\r')
            .all(|&b| b == b' ' || b == b'\t')
    }

    /// The start of the line holding `at`, the column of `at` in characters, and whether only
    /// whitespace precedes it on the line. Reads the line back to its start: for block YAML
    /// and lines an entry starts, which are short.
    fn line_of(&self, at: usize) -> (usize, usize, bool) {
        let at = at.min(self.text.len());
        let start = self.text[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let before = &self.text[start..at];
        (
            start,
            before.chars().count(),
            before.chars().all(|c| c == ' ' || c == '\t'),
        )
    }

    /// How much deeper a nested block mapping is indented in this file: from an entry of
    /// `map` whose value is one, else 2.
    fn indent_step(&self, map: &Node<'_>, column: usize) -> usize {
        map.as_map()
            .into_iter()
            .flatten()
            .filter_map(|e| e.value.as_map()?.first())
            .map(|inner| self.line_of(inner.key_span.start as usize).1)
            .find(|&c| c > column)
            .map_or(2, |c| c - column)
    }

    fn key_text(&self, key: &str, json: bool) -> String {
        if json {
            json_string(key)
        } else {
            scalar_text(Style::Plain, key).unwrap_or_else(|| json_string(key))
        }
    }

    /// A value after `key:` in block YAML: ` value`, or a nested mapping on its own lines.
    fn block_value(&self, value: &Fragment<'_>, column: usize, step: usize) -> String {
        match value {
            Fragment::Map(entries) => {
                let mut out = String::new();
                for (key, value) in entries {
                    out.push_str(self.eol);
                    out.push_str(&" ".repeat(column));
                    out.push_str(&self.key_text(key, false));
                    out.push(':');
                    out.push_str(&self.block_value(value, column + step, step));
                }
                out
            }
            other => format!(" {}", inline(other, false)),
        }
    }
}

/// A fragment on one line: flow YAML, or JSON.
fn inline(value: &Fragment<'_>, json: bool) -> String {
    match value {
        Fragment::Str(s) if json => json_string(s),
        Fragment::Str(s) => scalar_text(Style::Plain, s).unwrap_or_else(|| json_string(s)),
        Fragment::Bool(b) => b.to_string(),
        Fragment::Map(entries) => {
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| {
                    let key = if json {
                        json_string(k)
                    } else {
                        scalar_text(Style::Plain, k).unwrap_or_else(|| json_string(k))
                    };
                    format!("{key}: {}", inline(v, json))
                })
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

fn byte_len(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i)
}

/// `value` as a scalar of `style`, delimiters included; a plain scalar that YAML would read
/// as something else (a number, a boolean, a date, a comment) is single-quoted instead.
fn scalar_text(style: Style, value: &str) -> Option<String> {
    Some(match style {
        Style::Plain if plain_safe(value) => value.to_owned(),
        Style::Plain | Style::SingleQuoted => format!("'{}'", value.replace('\'', "''")),
        Style::DoubleQuoted | Style::JsonString => json_string(value),
        Style::JsonNumber | Style::JsonBool | Style::JsonNull => json_string(value),
        Style::Literal | Style::Folded => return None,
    })
}

/// `value` written inside the content of a string of `style`, without delimiters.
fn inside(style: Style, value: &str, at_start: bool) -> Option<String> {
    match style {
        Style::Plain => {
            let risky = value.contains(['#', ':', '\n', '\r'])
                || (at_start
                    && value.starts_with([
                        '\'', '"', '-', '*', '&', '!', '|', '>', '%', '@', '`', '[', '{',
                    ]));
            (!risky).then(|| value.to_owned())
        }
        Style::SingleQuoted => Some(value.replace('\'', "''")),
        Style::DoubleQuoted | Style::JsonString => {
            let quoted = json_string(value);
            Some(quoted[1..quoted.len() - 1].to_owned())
        }
        Style::Literal | Style::Folded => (!value.contains(['\n', '\r'])).then(|| value.to_owned()),
        Style::JsonNumber | Style::JsonBool | Style::JsonNull => None,
    }
}

fn json_string(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| format!("\"{value}\""))
}

/// Whether `value` written plain in YAML reads back as the same string, in YAML 1.1 and 1.2.
fn plain_safe(value: &str) -> bool {
    let Some(first) = value.chars().next() else {
        return false;
    };
    let special_start = "-?:,[]{}#&*!|>'\"%@` ".contains(first);
    let inner_risk = value.contains(": ")
        || value.contains(" #")
        || value.ends_with(':')
        || value.ends_with(' ')
        || value.contains(['\n', '\r', '\t']);
    let lower = value.to_ascii_lowercase();
    let reserved = matches!(
        lower.as_str(),
        "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null" | "~"
    );
    let numeric = value
        .chars()
        .all(|c| c.is_ascii_digit() || "+-._:eExXoObB".contains(c))
        && value.chars().any(|c| c.is_ascii_digit());
    let special_float = matches!(lower.as_str(), ".inf" | "-.inf" | "+.inf" | ".nan");
    !(special_start || inner_risk || reserved || numeric || special_float)
        && value.chars().all(|c| !c.is_control())
}

/// The length of the line break at the start of `bytes`: `\r\n` is one.
fn line_break_len(bytes: &[u8]) -> usize {
    if bytes.starts_with(b"\r\n") { 2 } else { 1 }
}

#[cfg(test)]
mod tests;
