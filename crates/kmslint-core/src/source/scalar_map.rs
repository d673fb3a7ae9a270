//! Positions inside a scalar: which bytes of the file produced each character of its value.
//!
//! Needed where a finding points inside a string: a curly quote in a Sid (`\u2019` in JSON is
//! six bytes in the file), or anything inside a key policy written as a JSON string
//! (`KeyPolicy: |` block, or an escaped JSON string in a JSON template), whose tree is parsed
//! from the value and then mapped back onto the file with [`ScalarMap::remap`].
//!
//! The map walks the value and the source text side by side. Characters that match are
//! paired; escapes are decoded and paired with their whole escape sequence; what the value
//! does not contain (quotes, indentation, folded line breaks' extra spaces) is skipped.

use super::tree::{Node, Scalar, Style, Value};
use super::{LoadProblem, Span};

/// For every character of a scalar's value, the file bytes that produced it.
#[derive(Debug)]
pub(crate) struct ScalarMap {
    /// (offset in the value, start in the file, end in the file), one per character.
    chars: Vec<(u32, u32, u32)>,
    value_len: u32,
    /// Where the value's text ends in the file.
    end: u32,
}

impl ScalarMap {
    pub(crate) fn new(file: &str, node: &Node<'_>) -> Option<ScalarMap> {
        let Value::Scalar(scalar) = &node.value else {
            return None;
        };
        Some(Self::build(file, node.span, scalar))
    }

    /// A map for a mapping key, whose style is read from how it is written.
    pub(crate) fn for_key(file: &str, span: Span, key: &str) -> ScalarMap {
        let style = match file.as_bytes().get(span.start as usize) {
            Some(b'"') => Style::DoubleQuoted,
            Some(b'\'') => Style::SingleQuoted,
            _ => Style::Plain,
        };
        let scalar = Scalar {
            text: key.into(),
            style,
        };
        Self::build(file, span, &scalar)
    }

    fn build(file: &str, span: Span, scalar: &Scalar<'_>) -> ScalarMap {
        let raw_start = span.start as usize;
        let raw_end = (span.end as usize).min(file.len());
        let (mut r, end) = content_range(file, raw_start, raw_end, scalar.style);
        let escapes = matches!(scalar.style, Style::DoubleQuoted | Style::JsonString);
        let single = scalar.style == Style::SingleQuoted;
        let value = scalar.text.as_ref();
        let mut chars = Vec::with_capacity(value.len());
        for (offset, wanted) in value.char_indices() {
            loop {
                let Some(got) = file[r..end].chars().next() else {
                    chars.push((offset as u32, end as u32, end as u32));
                    break;
                };
                let after = r + got.len_utf8();
                if got == '\\' && escapes {
                    match decode_escape(&file[r..end]) {
                        Escape::Char(c, len) if c == wanted => {
                            chars.push((offset as u32, r as u32, (r + len) as u32));
                            r += len;
                            break;
                        }
                        Escape::Char(_, len) | Escape::Skip(len) => {
                            r += len;
                            continue;
                        }
                    }
                }
                if single && got == '\'' && file[after..end].starts_with('\'') {
                    if wanted == '\'' {
                        chars.push((offset as u32, r as u32, (after + 1) as u32));
                        r = after + 1;
                        break;
                    }
                    r = after + 1;
                    continue;
                }
                if got == wanted {
                    chars.push((offset as u32, r as u32, after as u32));
                    r = after;
                    break;
                }
                if got == '\r' && wanted == '\n' && file[after..end].starts_with('\n') {
                    chars.push((offset as u32, r as u32, (after + 1) as u32));
                    r = after + 1;
                    break;
                }
                if matches!(wanted, ' ' | '\n') && matches!(got, '\n' | '\r') {
                    // A folded line break.
                    let len = if file[r..end].starts_with("\r\n") {
                        2
                    } else {
                        1
                    };
                    chars.push((offset as u32, r as u32, (r + len) as u32));
                    r += len;
                    break;
                }
                r = after;
            }
        }
        ScalarMap {
            chars,
            value_len: value.len() as u32,
            end: end as u32,
        }
    }

    /// The file span that produced the value's bytes `start..end`.
    pub(crate) fn span(&self, start: usize, end: usize) -> Span {
        let first = self.at(start);
        if end <= start {
            return Span::new(first.0, first.0);
        }
        let last = self.at(end - 1);
        Span::new(first.0, last.1.max(first.0))
    }

    /// The file range of the character that contains value offset `offset`.
    fn at(&self, offset: usize) -> (usize, usize) {
        if offset as u32 >= self.value_len || self.chars.is_empty() {
            return (self.end as usize, self.end as usize);
        }
        let i = self
            .chars
            .partition_point(|&(o, _, _)| o as usize <= offset)
            .saturating_sub(1);
        let (_, s, e) = self.chars[i];
        (s as usize, e as usize)
    }

    /// Moves every span of a tree parsed from the value onto the file. (Not `Node::walk`,
    /// which only reads: this one writes every span.)
    pub(crate) fn remap(&self, node: &mut Node<'_>) {
        node.span = self.span(node.span.start as usize, node.span.end as usize);
        match &mut node.value {
            Value::Seq(items) => items.iter_mut().for_each(|item| self.remap(item)),
            Value::Map(entries) => {
                for entry in entries {
                    entry.key_span =
                        self.span(entry.key_span.start as usize, entry.key_span.end as usize);
                    self.remap(&mut entry.value);
                }
            }
            Value::Scalar(_) | Value::Invalid => {}
        }
    }

    pub(crate) fn remap_problem(&self, problem: &mut LoadProblem) {
        problem.span = self.span(problem.span.start as usize, problem.span.end as usize);
        if let Some(first) = &mut problem.first {
            *first = self.span(first.start as usize, first.end as usize);
        }
    }
}

/// Where a scalar's content starts and ends inside its span: inside the quotes, or after a
/// block scalar's header line.
fn content_range(file: &str, start: usize, end: usize, style: Style) -> (usize, usize) {
    match style {
        Style::DoubleQuoted | Style::SingleQuoted | Style::JsonString if end > start + 1 => {
            (start + 1, end - 1)
        }
        Style::Literal | Style::Folded => {
            let header_end = file[start..end].find('\n').map_or(end, |i| start + i + 1);
            (header_end, end)
        }
        _ => (start, end),
    }
}

enum Escape {
    /// An escape that stands for a character, and its length in the file.
    Char(char, usize),
    /// An escaped line break (YAML line continuation): nothing in the value.
    Skip(usize),
}

/// Decodes the escape at the start of `s` (which starts with a backslash), for both JSON and
/// YAML double-quoted strings.
fn decode_escape(s: &str) -> Escape {
    let bytes = s.as_bytes();
    let Some(&kind) = bytes.get(1) else {
        return Escape::Skip(1);
    };
    let hex = |from: usize, len: usize| {
        s.get(from..from + len)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
    };
    let simple = |c: char| Escape::Char(c, 2);
    match kind {
        b'u' => match hex(2, 4) {
            Some(high @ 0xD800..=0xDBFF) if s[6..].starts_with("\\u") => match hex(8, 4) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                    Escape::Char(char::from_u32(c).unwrap_or('\u{FFFD}'), 12)
                }
                _ => Escape::Char('\u{FFFD}', 6),
            },
            Some(c) => Escape::Char(char::from_u32(c).unwrap_or('\u{FFFD}'), 6),
            None => Escape::Skip(2),
        },
        b'x' => hex(2, 2).map_or(Escape::Skip(2), |c| {
            Escape::Char(char::from_u32(c).unwrap_or('\u{FFFD}'), 4)
        }),
        b'U' => hex(2, 8).map_or(Escape::Skip(2), |c| {
            Escape::Char(char::from_u32(c).unwrap_or('\u{FFFD}'), 10)
        }),
        b'n' => simple('\n'),
        b't' | b'\t' => simple('\t'),
        b'r' => simple('\r'),
        b'b' => simple('\u{8}'),
        b'f' => simple('\u{C}'),
        b'0' => simple('\0'),
        b'a' => simple('\u{7}'),
        b'v' => simple('\u{B}'),
        b'e' => simple('\u{1B}'),
        b'N' => simple('\u{85}'),
        b'_' => simple('\u{A0}'),
        b'L' => simple('\u{2028}'),
        b'P' => simple('\u{2029}'),
        b'\r' | b'\n' => {
            // Line continuation: the break and the next line's indentation vanish.
            let mut len = 2;
            if kind == b'\r' && bytes.get(2) == Some(&b'\n') {
                len = 3;
            }
            while matches!(bytes.get(len), Some(b' ' | b'\t')) {
                len += 1;
            }
            Escape::Skip(len)
        }
        _ => {
            let c = s[1..].chars().next().unwrap_or('\\');
            Escape::Char(c, 1 + c.len_utf8())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{json, yaml};

    fn value_span(file: &str, node: &Node<'_>, needle: &str) -> String {
        let map = ScalarMap::new(file, node).unwrap();
        let value = node.as_str().unwrap();
        let at = value.find(needle).unwrap();
        file[map.span(at, at + needle.len()).range()].to_owned()
    }

    #[test]
    fn json_escapes_map_to_the_whole_escape() {
        let file = r#"{"Sid": "Don\u2019t \ud83d\udd11 \"x\""}"#;
        let root = json::load(file).root.unwrap();
        let sid = root.get("Sid").unwrap();
        assert_eq!(value_span(file, sid, "\u{2019}"), r"\u2019");
        assert_eq!(value_span(file, sid, "🔑"), r"\ud83d\udd11");
        assert_eq!(value_span(file, sid, "\"x\""), r#"\"x\""#);
    }

    #[test]
    fn block_scalars_map_through_indentation_and_crlf() {
        let file = "P: |\r\n  {\r\n    \"Sid\": \"a’b\"\r\n  }\r\n";
        let root = yaml::load(file).root.unwrap();
        let policy = root.get("P").unwrap();
        assert_eq!(value_span(file, policy, "’"), "’");
        let map = ScalarMap::new(file, policy).unwrap();
        let at = policy.as_str().unwrap().find("\"Sid\"").unwrap();
        let span = map.span(at, at + 5);
        assert_eq!(&file[span.range()], "\"Sid\"");
        assert_eq!(span.start as usize, file.find("\"Sid\"").unwrap());
    }

    #[test]
    fn folded_plain_and_single_quoted_scalars() {
        let file = "a: one\n  two ’\nb: 'it''s ’'\nc: >\n  x\n  y ’\n";
        let root = yaml::load(file).root.unwrap();
        assert_eq!(value_span(file, root.get("a").unwrap(), "two"), "two");
        assert_eq!(value_span(file, root.get("b").unwrap(), "'s"), "''s");
        assert_eq!(value_span(file, root.get("c").unwrap(), "y ’"), "y ’");
    }

    #[test]
    fn yaml_double_quoted_escapes_and_continuations() {
        let file = "a: \"x\\u2019y \\\n   z\"\n";
        let root = yaml::load(file).root.unwrap();
        let a = root.get("a").unwrap();
        assert_eq!(a.as_str(), Some("x\u{2019}y z"));
        assert_eq!(value_span(file, a, "\u{2019}"), "\\u2019");
        assert_eq!(value_span(file, a, "z"), "z");
    }

    #[test]
    fn remapped_trees_point_into_the_file() {
        let file = "K:\n  P: |\n    {\"Version\": \"2012-10-17\",\n     \"Statement\": []}\n";
        let root = yaml::load(file).root.unwrap();
        let host = root.get("K").unwrap().get("P").unwrap();
        let map = ScalarMap::new(file, host).unwrap();
        let mut inner = json::load(host.as_str().unwrap()).root.unwrap();
        map.remap(&mut inner);
        let statement = inner.entry("Statement").unwrap();
        assert_eq!(&file[statement.key_span.range()], "\"Statement\"");
        assert_eq!(&file[statement.value.span.range()], "[]");
    }
}
