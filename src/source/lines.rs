//! Byte offsets to 1-based lines and character columns, computed only when a finding is shown.

use serde::Serialize;

/// A position as users see it: `line` and `column` are 1-based, `column` counts characters
/// (Unicode scalar values); `offset` is the 0-based byte offset into the decoded text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
    pub offset: u32,
}

/// Where each line starts. Line breaks are `\n`, `\r\n` and a lone `\r`, as in YAML, so a
/// CRLF file has the same line numbers as its LF twin and `\r` never counts as a column.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0u32];
        let mut i = 0;
        while let Some(pos) = memchr_break(&bytes[i..]) {
            let at = i + pos;
            let next = if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
                at + 2
            } else {
                at + 1
            };
            starts.push(next as u32);
            i = next;
        }
        LineIndex { starts }
    }

    pub(crate) fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The byte offset where line `line` (0-based) starts.
    pub(crate) fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(u32::MAX) as usize
    }

    /// The 0-based line that contains `offset`.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&(offset as u32)) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let column = text[start..offset].chars().count() + 1;
        Position {
            line: line as u32 + 1,
            column: column as u32,
            offset: offset as u32,
        }
    }

    /// The text of a 0-based line without its line break.
    pub(crate) fn line_text<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let start = self.line_start(line).min(text.len());
        let end = self.line_start(line + 1).min(text.len());
        text[start..end].trim_end_matches(['\n', '\r'])
    }
}

/// The next line break; `memchr2` scans a word at a time, which matters on megabyte files.
fn memchr_break(bytes: &[u8]) -> Option<usize> {
    memchr::memchr2(b'\n', b'\r', bytes)
}

/// The largest char boundary at or below `offset`.
pub(crate) fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_and_ignore_carriage_returns() {
        let text = "a: 1\r\nb: 🔑x\r\nc";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 3);
        let x = text.find('x').unwrap();
        assert_eq!(
            index.position(text, x),
            Position {
                line: 2,
                column: 5,
                offset: x as u32
            }
        );
        let c = text.rfind('c').unwrap();
        assert_eq!(index.position(text, c).line, 3);
        assert_eq!(index.position(text, c).column, 1);
        assert_eq!(index.line_text(text, 1), "b: 🔑x");
    }

    #[test]
    fn a_lone_carriage_return_breaks_lines_like_yaml() {
        let text = "a: 1\rb: 2";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 5).line, 2);
    }

    #[test]
    fn offsets_inside_a_character_round_down() {
        let text = "é";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 1).offset, 0);
    }
}
