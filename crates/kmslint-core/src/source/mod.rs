//! From bytes to a located tree: bounded reading, decoding, the YAML and JSON loaders,
//! and the line index used to turn byte offsets into lines and columns.
//!
//! Everything downstream works on byte offsets into the decoded text (a byte-order mark is
//! removed first, so offsets and columns are those an editor shows).

pub(crate) mod json;
pub(crate) mod lines;
mod map_builder;
pub mod read;
pub(crate) mod scalar_map;
pub(crate) mod tree;
pub(crate) mod yaml;

pub use lines::{ColumnUnit, LineIndex, Position};
pub use tree::{Entry, Node, Scalar, Style, Value};

/// A byte range in a file's decoded text. `u32` keeps tree nodes small; inputs above 4 GiB are
/// refused when they are read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    pub(crate) fn empty(at: usize) -> Span {
        Span::new(at, at)
    }

    pub(crate) fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub(crate) fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub(crate) fn is_empty(self) -> bool {
        self.end == self.start
    }

    pub(crate) fn contains(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// The smallest span covering both.
    pub(crate) fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A problem the loaders found. The rules `parse-error` and `duplicate-key` turn these into
/// diagnostics; keeping them as data lets the loaders stay free of rule metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadProblem {
    pub kind: ProblemKind,
    pub span: Span,
    pub message: String,
    /// For a duplicate key: where the key was first defined.
    pub(crate) first: Option<Span>,
}

/// What a syntax problem comes from, where the remedy depends on it (KMS001's help).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SyntaxCause {
    /// YAML indented with tabs.
    TabIndentation,
    /// A UTF-16 or UTF-32 file.
    WideEncoding,
    /// A byte that is not UTF-8.
    InvalidUtf8,
    /// A comma after the last item of a JSON array or object.
    TrailingComma,
}

impl LoadProblem {
    /// What the problem comes from, when it is one of the [`SyntaxCause`]s. Read from the
    /// message because saphyr-parser and jsonc-parser say what went wrong only in their text;
    /// this is the one place outside the loaders that knows their wording, so rules match on
    /// the cause.
    pub(crate) fn cause(&self) -> Option<SyntaxCause> {
        let message = self.message.as_str();
        if self.kind != ProblemKind::Syntax {
            None
        } else if message.contains("tabs") {
            Some(SyntaxCause::TabIndentation)
        } else if message.contains("UTF-16") || message.contains("UTF-32") {
            Some(SyntaxCause::WideEncoding)
        } else if message.contains("invalid UTF-8") {
            Some(SyntaxCause::InvalidUtf8)
        } else if message.contains("trailing comma") {
            Some(SyntaxCause::TrailingComma)
        } else {
            None
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// The text is not valid YAML or JSON, or uses something CloudFormation rejects.
    Syntax,
    /// A mapping key given twice.
    DuplicateKey,
}

/// The result of loading one document.
#[derive(Debug, Default)]
pub struct Loaded<'a> {
    /// `None` when the text did not parse (a `Syntax` problem says why) or is empty.
    pub root: Option<Node<'a>>,
    pub problems: Vec<LoadProblem>,
    /// The documents after the first in a YAML stream of several. CloudFormation rejects
    /// such a file (the loader reports where the second document starts), but they are
    /// loaded so that a template or key policy among them is not skipped unseen.
    pub(crate) more: Vec<Node<'a>>,
    /// The loader read past a syntax error (reported among the problems) to build `root`: the
    /// tree is the loader's best reading of the file, not the file as CloudFormation reads it
    /// (which rejects it).
    pub(crate) recovered: bool,
}

/// Which loader a text goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

impl Format {
    /// `.json` is JSON and `.yaml`/`.yml` YAML, as the user named them; anything else (`.template`,
    /// stdin without a name) is JSON when its first non-blank character opens an object.
    /// [`load_file`] then falls back to YAML for such a guess that is not JSON.
    pub fn choose(name: &str, text: &str) -> Format {
        match Format::named(name) {
            Some(format) => format,
            None if text.trim_start().starts_with('{') => Format::Json,
            None => Format::Yaml,
        }
    }

    /// The format the file's name says, if it says one.
    fn named(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Some(Format::Json)
        } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            Some(Format::Yaml)
        } else {
            None
        }
    }
}

/// How much tree a loader may build for one file, in bytes of nodes, entries and owned text
/// (see [`Budget`]).
const TREE_BYTES_PER_INPUT_BYTE: usize = 22;
/// Small files may always take this much: a tiny document's tree is many times its size.
const TREE_BYTES_FLOOR: usize = 16 << 20;
/// Whatever the file's size (up to `--max-file-size`), no more than this: several files are
/// loaded at once, and one must not take the memory the others need.
const TREE_BYTES_CAP: usize = 512 << 20;

/// The memory a loader may spend on one file's tree. A template's tree takes a few times its
/// text (about 40 bytes a node, text borrowed from the file); a file whose tree would take more
/// than 22 times its size (or 512 MB) is written to exhaust memory, not to be deployed, and is
/// reported as too large to analyse instead of taking the memory every other file needs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget {
    limit: usize,
    spent: usize,
}

impl Budget {
    pub(crate) fn for_text(len: usize) -> Budget {
        Budget {
            limit: len
                .saturating_mul(TREE_BYTES_PER_INPUT_BYTE)
                .clamp(TREE_BYTES_FLOOR, TREE_BYTES_CAP),
            spent: 0,
        }
    }

    /// Counts `bytes` more; false once the total is over the limit.
    #[inline]
    pub(crate) fn spend(&mut self, bytes: usize) -> bool {
        self.spent += bytes;
        self.spent <= self.limit
    }

    /// What an owned string of `len` bytes costs, with the allocator's rounding.
    #[inline]
    pub(crate) fn string(len: usize) -> usize {
        if len == 0 {
            0
        } else {
            (len + 8).next_multiple_of(16).max(32)
        }
    }

    /// The problem reported where loading stopped: at the character at byte `at` of `text`.
    pub(crate) fn exceeded(&self, text: &str, at: usize) -> LoadProblem {
        LoadProblem {
            kind: ProblemKind::Syntax,
            span: Span::new(at, next_char_end(text, at)),
            message: format!(
                "too large to analyse: loading this file would take more than {} MB of memory \
                 (the limit is {TREE_BYTES_PER_INPUT_BYTE} times its size, at least {} MB and at \
                 most {} MB); loading stopped here",
                self.limit >> 20,
                TREE_BYTES_FLOOR >> 20,
                TREE_BYTES_CAP >> 20,
            ),
            first: None,
        }
    }
}

/// The end of the character at byte `at` of `text` (`at` itself at the end of the text).
pub(crate) fn next_char_end(text: &str, at: usize) -> usize {
    text[at.min(text.len())..]
        .chars()
        .next()
        .map_or(at.min(text.len()), |c| at + c.len_utf8())
}

/// Pushes onto a list of the tree being built, growing a long list by a quarter rather than
/// doubling it: in a file of one long list, a doubled vector's spare half is memory the
/// budget does not see (and `ulimit -v` does), and the list is trimmed to fit when it ends.
#[inline]
pub(crate) fn push<T>(items: &mut Vec<T>, item: T) {
    if items.len() == items.capacity() && items.len() >= 1024 {
        items.reserve_exact(items.len() / 4);
    }
    items.push(item);
}

/// A finished list of the tree, with no spare capacity. A short one is copied into an exact
/// allocation and its buffer freed for the next list to reuse; shrinking it in place instead
/// would leave a fragment too small for that, and a list of a million `{a}` would cost three
/// times its budget. A long one is trimmed in place, which does not copy it.
pub(crate) fn fit<T>(items: Vec<T>) -> Vec<T> {
    if items.len() == items.capacity() {
        items
    } else if items.len() >= 1024 {
        let mut items = items;
        items.shrink_to_fit();
        items
    } else {
        let mut exact = Vec::with_capacity(items.len());
        exact.extend(items);
        exact
    }
}

/// Nesting deeper than this is reported instead of followed; it keeps every recursive walk
/// over the tree far from the stack limit. Real templates stay below 30.
pub(crate) const MAX_DEPTH: usize = 200;

/// Parses a file's text as CloudFormation would: with the loader its name calls for, else
/// with the JSON loader when it starts with `{` and, when that fails, with the YAML loader
/// (YAML flow style starts with `{` too, and CloudFormation accepts YAML that is not JSON).
/// When both fail, the JSON loader's problem is the one reported. A JSON reading recovered
/// from an error (a comment, a trailing comma) yields to a YAML one that needed no recovery,
/// since YAML's flow style allows both. Returns the format whose loader produced the result.
/// Both parses are linear in the text; the text, and so every span, is the same for both.
pub fn load_file<'a>(name: &str, text: &'a str) -> (Format, Loaded<'a>) {
    let format = Format::choose(name, text);
    let loaded = load(text, format);
    if format == Format::Json
        && (loaded.root.is_none() || loaded.recovered)
        && Format::named(name).is_none()
    {
        let yaml = yaml::load(text);
        if yaml.root.is_some() && !yaml.recovered {
            return (Format::Yaml, yaml);
        }
    }
    (format, loaded)
}

/// Parses `text` with the loader for `format`.
pub fn load(text: &str, format: Format) -> Loaded<'_> {
    match format {
        Format::Json => json::load(text),
        Format::Yaml => yaml::load(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file not named `.json` that starts with `{` is read as YAML when the JSON loader
    /// had to read past an error that YAML's flow style allows, as when it found no tree.
    #[test]
    fn a_guessed_json_file_read_past_an_error_yields_to_clean_yaml() {
        let flow = r#"{"Resources": {"K": {"Type": "AWS::KMS::Key",},},}"#;
        let (format, loaded) = load_file("t.template", flow);
        assert_eq!(format, Format::Yaml);
        assert!(loaded.problems.is_empty() && !loaded.recovered);
        // Named JSON, it is JSON, read past its trailing commas.
        let (format, loaded) = load_file("t.json", flow);
        assert_eq!(format, Format::Json);
        assert!(loaded.recovered && loaded.problems.len() == 3);
        // Neither reads it cleanly: the JSON reading stands.
        let broken = "{\"Resources\": {\"K\": \"\u{0}\",}}";
        let (format, loaded) = load_file("t.template", broken);
        assert_eq!(format, Format::Json);
        assert!(loaded.recovered && loaded.problems.len() == 2);
    }
}
