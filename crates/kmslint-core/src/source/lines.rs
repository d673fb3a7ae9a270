//! Byte offsets to 1-based lines and character columns, computed only when a finding is shown.

use serde::Serialize;

/// A position as users see it: `line` and `column` are 1-based, `column` counts characters
/// (Unicode scalar values); `offset` is the 0-based byte offset into the decoded text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
    pub(crate) offset: u32,
}

/// Where each line starts. Line breaks are `\n`, `\r\n` and a lone `\r`, as in YAML, so a
/// CRLF file has the same line numbers as its LF twin and `\r` never counts as a column.
///
/// Columns are counted from the line's start, or from the nearest mark on a long line: a
/// template written on one line of megabytes would otherwise cost a scan of the line per
/// position, quadratic in findings.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<u32>,
    /// On lines longer than [`MARK_EVERY`] bytes, about every that many bytes: the offset
    /// and the characters and UTF-16 code units from the line's start to it. In offset order.
    marks: Vec<Mark>,
}

#[derive(Clone, Copy, Debug)]
struct Mark {
    offset: u32,
    chars: u32,
    utf16: u32,
}

const MARK_EVERY: usize = 1024;

/// What a column counts: bytes, UTF-16 code units or characters (LSP's position encodings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnUnit {
    Utf8,
    Utf16,
    Utf32,
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
        let mut marks = Vec::new();
        for (line, &start) in starts.iter().enumerate() {
            let start = start as usize;
            let end = starts.get(line + 1).map_or(text.len(), |&s| s as usize);
            if end - start <= MARK_EVERY {
                continue;
            }
            let (mut chars, mut utf16, mut next) = (0u32, 0u32, start + MARK_EVERY);
            for (at, c) in text[start..end].char_indices() {
                let at = start + at;
                if at >= next {
                    marks.push(Mark {
                        offset: at as u32,
                        chars,
                        utf16,
                    });
                    next = at + MARK_EVERY;
                }
                chars += 1;
                utf16 += c.len_utf16() as u32;
            }
        }
        LineIndex { starts, marks }
    }

    /// Characters and UTF-16 code units from the start of `offset`'s line to it (`offset` on
    /// a character boundary).
    fn counts(&self, text: &str, line_start: usize, offset: usize) -> (usize, usize) {
        let i = self.marks.partition_point(|m| m.offset as usize <= offset);
        let (from, chars, utf16) = match i.checked_sub(1).map(|i| self.marks[i]) {
            Some(m) if m.offset as usize >= line_start => {
                (m.offset as usize, m.chars as usize, m.utf16 as usize)
            }
            _ => (line_start, 0, 0),
        };
        let rest = &text[from..offset];
        if rest.is_ascii() {
            return (chars + rest.len(), utf16 + rest.len());
        }
        let (c, u) = rest
            .chars()
            .fold((0, 0), |(c, u), ch| (c + 1, u + ch.len_utf16()));
        (chars + c, utf16 + u)
    }

    /// The 1-based UTF-16 column of `offset` (as LSP and editors count by default).
    pub fn utf16_column(&self, text: &str, offset: usize) -> u32 {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let start = self.line_start(self.line_of(offset));
        self.counts(text, start, offset).1 as u32 + 1
    }

    /// The 1-based UTF-8 column of `offset`: bytes from its line's start, plus one (as LSP
    /// counts when a client negotiates `utf-8`).
    pub fn utf8_column(&self, text: &str, offset: usize) -> u32 {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        (offset - self.line_start(self.line_of(offset))) as u32 + 1
    }

    /// The byte offset of a 0-based `line` and 0-based `column` counted in `unit`: the
    /// reverse of the columns above, as LSP sends positions. A column past the line's end is
    /// the line's end (before its line break), one inside a character is that character's
    /// start, and a line past the last is the end of the text.
    pub fn offset(&self, text: &str, line: usize, column: u32, unit: ColumnUnit) -> usize {
        if line >= self.starts.len() {
            return text.len();
        }
        let start = self.line_start(line);
        let line_text = self.line_text(text, line);
        let mut counted = 0u32;
        for (at, c) in line_text.char_indices() {
            let width = match unit {
                ColumnUnit::Utf8 => c.len_utf8() as u32,
                ColumnUnit::Utf16 => c.len_utf16() as u32,
                ColumnUnit::Utf32 => 1,
            };
            if counted + width > column {
                return start + at;
            }
            counted += width;
        }
        start + line_text.len()
    }

    /// The number of lines, counting the empty one after a last line break.
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The byte offset where line `line` (0-based) starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(u32::MAX) as usize
    }

    /// The 0-based line that contains `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&(offset as u32)) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let column = self.counts(text, start, offset).0 + 1;
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
    fn columns_in_each_unit_and_back() {
        // A curly quote (3 bytes, 1 UTF-16 unit) and an emoji (4 bytes, 2 units).
        let text = "a: \u{201c}b\u{201d}\r\n  c: 🔑x\n";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(index.utf8_column(text, x), 10);
        assert_eq!(index.utf16_column(text, x), 8);
        assert_eq!(index.position(text, x).column, 7);
        for (unit, column) in [
            (ColumnUnit::Utf8, 9),
            (ColumnUnit::Utf16, 7),
            (ColumnUnit::Utf32, 6),
        ] {
            assert_eq!(index.offset(text, 1, column, unit), x);
        }
        // Inside the emoji: its start; past the end: before the line break; past the last
        // line: the end.
        assert_eq!(index.offset(text, 1, 6, ColumnUnit::Utf16), x - 4);
        let b = text.find('b').unwrap();
        assert_eq!(index.offset(text, 0, 4, ColumnUnit::Utf16), b);
        assert_eq!(
            index.offset(text, 0, 99, ColumnUnit::Utf8),
            text.find('\r').unwrap()
        );
        assert_eq!(index.offset(text, 9, 0, ColumnUnit::Utf8), text.len());
    }

    #[test]
    fn offsets_inside_a_character_round_down() {
        let text = "é";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 1).offset, 0);
    }
}
