//! JSON to the located tree, straight from jsonc-parser's scanner with every leniency
//! switched off, so what it accepts is what CloudFormation's JSON parser accepts.
//!
//! The tree is built while scanning rather than converted from jsonc-parser's AST: the AST
//! of a 10 MB template alone takes about as much memory as the tree. The grammar and the
//! errors follow jsonc-parser's own `parse_to_ast` with the same options.
//!
//! Recovery: the errors that leave no doubt about what the text means are recorded and read
//! past, so the rest of the file is still linted (issue 23 §3): a comment (skipped), a comma
//! before a closing bracket (ignored), a missing comma between two members (assumed), a
//! control character inside a string (kept), a string left unclosed (ended at the end of its
//! line, where JSON strings must end), and the end of the text inside an object or
//! array (the open collections are closed there: the tree holds what the file holds; not
//! after another error, which more likely unbalanced the brackets). Every
//! other error stops the load with no tree, since reading on would mean guessing. After
//! [`MAX_RECOVERED`] recovered errors the next one stops it too, so a file of garbage gets a
//! bounded report.

use std::borrow::Cow;

use jsonc_parser::ParseStringErrorKind;
use jsonc_parser::common::Range;
use jsonc_parser::errors::ParseErrorKind;
use jsonc_parser::tokens::Token;
use jsonc_parser::{Scanner, ScannerOptions};

use super::map_builder::MapBuilder;
use super::tree::{Entry, Node, Scalar, Style, Value};
use super::{Budget, LoadProblem, Loaded, MAX_DEPTH, ProblemKind, Span};

fn strict() -> ScannerOptions {
    ScannerOptions {
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// At most this many errors are read past in one file; the next one stops the load. A
/// template with a few typos stays linted, a file of garbage is reported at most this many
/// times (plus the error that stopped it).
pub(crate) const MAX_RECOVERED: usize = 20;

/// Loads a file, reading past the errors that can be recovered (see the module's comment).
pub(crate) fn load(text: &str) -> Loaded<'_> {
    load_with(text, MAX_RECOVERED)
}

/// Loads with no recovery: the first error stops the load, with no tree. For a `KeyPolicy`
/// written as a JSON string, which CloudFormation's API rejects as a whole, and whose findings
/// would offer fixes into text that does not parse.
pub(crate) fn load_strict(text: &str) -> Loaded<'_> {
    load_with(text, 0)
}

fn load_with(text: &str, max_recovered: usize) -> Loaded<'_> {
    let mut parser = Parser {
        text,
        scanner: Scanner::new(text, &strict()),
        problems: Vec::new(),
        budget: Budget::for_text(text.len()),
        recovered: 0,
        max_recovered,
        closed_at_end: false,
        cut_quote: 0,
        base: 0,
        cut_at: usize::MAX,
        previous_cut_at: usize::MAX,
    };
    let root = parser.document().ok().flatten();
    Loaded {
        recovered: root.is_some() && parser.recovered > 0,
        root,
        problems: parser.problems,
        more: Vec::new(),
    }
}

/// Parsing stopped; the problem is already recorded.
struct Abort;

struct Parser<'a> {
    text: &'a str,
    scanner: Scanner<'a>,
    problems: Vec<LoadProblem>,
    budget: Budget,
    /// How many errors have been read past, and how many may be.
    recovered: usize,
    max_recovered: usize,
    /// The end of the text was reached inside a collection, which was reported: the
    /// collections around it close there without a problem each.
    closed_at_end: bool,
    /// Where the last string cut at the end of its line starts (see [`Self::here_value`]).
    cut_quote: usize,
    /// Where the scanner's text starts in the text: after a string left unclosed, the
    /// scanner starts again at the end of its line.
    base: usize,
    /// Where the last two strings left unclosed were cut.
    cut_at: usize,
    previous_cut_at: usize,
}

impl<'a> Parser<'a> {
    fn document(&mut self) -> Result<Option<Node<'a>>, Abort> {
        let Some(first) = self.scan()? else {
            return Ok(None);
        };
        let root = self.value(first, 0)?;
        if self.scan()?.is_some() {
            return Err(self.error_here(ParseErrorKind::MultipleRootJsonValues));
        }
        Ok(Some(root))
    }

    /// The next token; comments are errors, as in JSON, read past when recovering, and so
    /// is a string left unclosed on its line.
    fn scan(&mut self) -> Result<Option<Token<'a>>, Abort> {
        match self.scanner.scan() {
            Ok(Some(Token::String(text))) => match self.raw_control_at() {
                None => Ok(Some(Token::String(text))),
                Some(at) => self.raw_control(at, text).map(Some),
            },
            Ok(Some(Token::CommentLine(_) | Token::CommentBlock(_))) => self.comment(),
            Ok(token) => Ok(token),
            Err(err) => self.scan_error(&err).map(Some),
        }
    }

    /// A comment, read past when recovering: the token after it. Recursive, but no deeper
    /// than [`MAX_RECOVERED`].
    #[cold]
    fn comment(&mut self) -> Result<Option<Token<'a>>, Abort> {
        let range = self.here();
        self.recover(range, &ParseErrorKind::CommentsNotAllowed)?;
        self.scan()
    }

    /// The scanner's error. A string that runs to the end of the text unclosed is read, when
    /// recovering, as ending at the end of its line, as one left unclosed before other
    /// strings is (see [`Self::raw_control_at`]).
    #[cold]
    fn scan_error(&mut self, err: &jsonc_parser::errors::ParseError) -> Result<Token<'a>, Abort> {
        let range = Range {
            start: self.base + err.range().start,
            end: self.base + err.range().end,
        };
        let unclosed = matches!(
            err.kind(),
            ParseErrorKind::String(ParseStringErrorKind::UnterminatedStringLiteral)
        );
        let quote = self.here().start;
        let line_break = self.text[quote..].find(['\n', '\r']).map(|i| quote + i);
        match line_break {
            Some(at) if unclosed && self.recovered < self.max_recovered => {
                self.recover(
                    Range {
                        start: quote,
                        end: at,
                    },
                    err.kind(),
                )?;
                self.cut_string(at)
            }
            _ => Err(self.error(range, err.kind())),
        }
    }

    /// Records an error the parser can read past; stops the load when not recovering or when
    /// [`MAX_RECOVERED`] errors have been read past already.
    #[cold]
    fn recover(&mut self, range: Range, kind: &ParseErrorKind) -> Result<(), Abort> {
        let abort = self.error(range, kind);
        if self.recovered >= self.max_recovered {
            return Err(abort);
        }
        self.recovered += 1;
        Ok(())
    }

    /// Where the current token is in the text.
    #[inline]
    fn here(&self) -> Range {
        Range {
            start: self.base + self.scanner.token_start(),
            end: self.base + self.scanner.token_end(),
        }
    }

    /// Where the current token, a value or key just scanned, is: a string cut at the end of
    /// its line is the one empty token (the scanner restarted there), and starts at its quote.
    #[inline]
    fn here_value(&self) -> Range {
        let range = self.here();
        if range.start == range.end {
            return Range {
                start: self.cut_quote,
                end: range.end,
            };
        }
        range
    }

    fn error_here(&mut self, kind: ParseErrorKind) -> Abort {
        let range = self.here();
        self.error(range, &kind)
    }

    fn error(&mut self, range: Range, kind: &ParseErrorKind) -> Abort {
        self.problems.push(LoadProblem {
            kind: ProblemKind::Syntax,
            span: Span::new(range.start, range.end),
            message: format!("invalid JSON: {}", lowercase_first(&kind.to_string())),
            first: None,
        });
        Abort
    }

    /// Counts `bytes` more of tree; stops loading at the current token once over the budget.
    #[inline]
    fn spend(&mut self, bytes: usize) -> Result<(), Abort> {
        if self.budget.spend(bytes) {
            Ok(())
        } else {
            Err(self.over_budget())
        }
    }

    #[cold]
    fn over_budget(&mut self) -> Abort {
        let problem = self.budget.exceeded(self.text, self.here().start);
        self.problems.push(problem);
        Abort
    }

    /// A string as the tree keeps it: the scanner borrows it from the file unless it has
    /// escapes; an unescaped copy is trimmed to fit and counted.
    fn settle(&mut self, text: Cow<'a, str>) -> Result<Cow<'a, str>, Abort> {
        match text {
            Cow::Borrowed(_) => Ok(text),
            Cow::Owned(mut owned) => {
                self.spend(Budget::string(owned.len()))?;
                owned.shrink_to_fit();
                Ok(Cow::Owned(owned))
            }
        }
    }

    /// The value that starts with `token`, the current token.
    fn value(&mut self, token: Token<'a>, depth: usize) -> Result<Node<'a>, Abort> {
        self.spend(size_of::<Node>())?;
        let range = self.here_value();
        let scalar = |text, style| Node {
            span: Span::new(range.start, range.end),
            value: Value::Scalar(Scalar { text, style }),
        };
        Ok(match token {
            Token::OpenBrace => self.object(range.start, depth)?,
            Token::OpenBracket => self.array(range.start, depth)?,
            Token::String(text) => scalar(self.settle(text)?, Style::JsonString),
            Token::Number(text) => scalar(text.into(), Style::JsonNumber),
            Token::Boolean(value) => {
                scalar(if value { "true" } else { "false" }.into(), Style::JsonBool)
            }
            Token::Null => scalar("null".into(), Style::JsonNull),
            Token::CloseBracket => {
                return Err(self.error_here(ParseErrorKind::UnexpectedCloseBracket));
            }
            Token::CloseBrace => return Err(self.error_here(ParseErrorKind::UnexpectedCloseBrace)),
            Token::Comma => return Err(self.error_here(ParseErrorKind::UnexpectedComma)),
            Token::Colon => return Err(self.error_here(ParseErrorKind::UnexpectedColon)),
            Token::Word(_) => return Err(self.error_here(ParseErrorKind::UnexpectedWord)),
            Token::CommentLine(_) | Token::CommentBlock(_) => {
                return Err(self.error_here(ParseErrorKind::CommentsNotAllowed));
            }
        })
    }

    fn object(&mut self, start: usize, depth: usize) -> Result<Node<'a>, Abort> {
        too_deep(Span::new(start, start + 1), depth, &mut self.problems)?;
        let mut map = MapBuilder::default();
        let mut token = self.scan()?;
        loop {
            match token {
                Some(Token::CloseBrace) => break,
                Some(Token::String(key)) => {
                    let key_range = self.here_value();
                    if !matches!(self.scan()?, Some(Token::Colon)) {
                        return Err(self.error_here(ParseErrorKind::ExpectedColonAfterObjectKey));
                    }
                    let Some(first) = self.scan()? else {
                        return Err(self.error_here(ParseErrorKind::ExpectedObjectValue));
                    };
                    let key = self.settle(key)?;
                    self.spend(size_of::<Entry>() - size_of::<Node>())?;
                    let value = self.value(first, depth + 1)?;
                    map.insert(
                        Entry {
                            key,
                            key_span: Span::new(key_range.start, key_range.end),
                            value,
                        },
                        &mut self.problems,
                    );
                }
                None => {
                    self.unterminated(start, ParseErrorKind::UnterminatedObject)?;
                    break;
                }
                Some(Token::Word(_) | Token::Number(_) | Token::Boolean(_) | Token::Null) => {
                    return Err(self.error_here(ParseErrorKind::ExpectedStringObjectProperty));
                }
                Some(_) => return Err(self.error_here(ParseErrorKind::UnexpectedTokenInObject)),
            }
            token = self.separator(true)?;
        }
        Ok(Node {
            span: Span::new(start, self.here().end),
            value: Value::Map(map.finish()),
        })
    }

    fn array(&mut self, start: usize, depth: usize) -> Result<Node<'a>, Abort> {
        too_deep(Span::new(start, start + 1), depth, &mut self.problems)?;
        let mut items = Vec::new();
        let mut token = self.scan()?;
        loop {
            match token {
                Some(Token::CloseBracket) => break,
                None => {
                    self.unterminated(start, ParseErrorKind::UnterminatedArray)?;
                    break;
                }
                Some(first) => {
                    let item = self.value(first, depth + 1)?;
                    super::push(&mut items, item);
                }
            }
            token = self.separator(false)?;
        }
        Ok(Node {
            span: Span::new(start, self.here().end),
            value: Value::Seq(super::fit(items)),
        })
    }

    /// After a member: a comma and the next token, or the token that closes (or breaks)
    /// the collection. Trailing and missing commas are errors, where jsonc-parser puts them;
    /// when recovering, a trailing comma is ignored and a missing one assumed.
    fn separator(&mut self, in_object: bool) -> Result<Option<Token<'a>>, Abort> {
        let after_value = self.here().end;
        match self.scan()? {
            Some(Token::Comma) => {
                let comma = self.here();
                let next = self.scan()?;
                let closes = if in_object {
                    matches!(next, Some(Token::CloseBrace))
                } else {
                    matches!(next, Some(Token::CloseBracket))
                };
                if closes {
                    self.recover(comma, &ParseErrorKind::TrailingCommasNotAllowed)?;
                }
                Ok(next)
            }
            Some(
                token @ (Token::String(_)
                | Token::Word(_)
                | Token::Number(_)
                | Token::Boolean(_)
                | Token::Null),
            ) if in_object => {
                self.expected_comma(after_value)?;
                Ok(Some(token))
            }
            Some(
                token @ (Token::OpenBrace
                | Token::OpenBracket
                | Token::String(_)
                | Token::Boolean(_)
                | Token::Number(_)
                | Token::Null),
            ) if !in_object => {
                self.expected_comma(after_value)?;
                Ok(Some(token))
            }
            other => Ok(other),
        }
    }

    /// The end of the text inside a collection: the error spans it from its opening. When
    /// recovering, the collection closes there, and so do the ones around it, without another
    /// problem each.
    fn unterminated(&mut self, start: usize, kind: ParseErrorKind) -> Result<(), Abort> {
        if self.closed_at_end {
            return Ok(());
        }
        let end = self.here().end;
        if self.recovered > 0 {
            // An error read past earlier (a comment that hid a `}`, a comma assumed between
            // members of different objects) is the likelier reason the brackets do not
            // balance: the tree would hold members in the wrong objects.
            return Err(self.error(Range { start, end }, &kind));
        }
        self.recover(Range { start, end }, &kind)?;
        self.closed_at_end = true;
        Ok(())
    }

    #[cold]
    fn expected_comma(&mut self, at: usize) -> Result<(), Abort> {
        // Scanning the token after the value may have cut another string.
        if at == self.cut_at || at == self.previous_cut_at {
            // After a string read as ending at its line: its comma was likely inside it
            // (`"t,`), and the string's own error says what to fix.
            return Ok(());
        }
        self.recover(Range { start: at, end: at }, &ParseErrorKind::ExpectedComma)
    }

    /// Where the current string token holds a control character, if it does: JSON forbids raw control characters inside strings, which
    /// jsonc-parser lets through. When recovering, the string is kept as written, unless the
    /// character is a line break: that is a string left unclosed (the scanner read on to the
    /// next quote), which is read as ending at the end of its line, the text after it read
    /// again from there. Only a string without escapes is cut so, since its text is the file's.
    #[inline]
    fn raw_control_at(&self) -> Option<usize> {
        let range = self.here();
        let raw = &self.text.as_bytes()[range.start..range.end];
        raw.iter().position(|&b| b < 0x20).map(|i| range.start + i)
    }

    #[cold]
    fn raw_control(&mut self, at: usize, text: Cow<'a, str>) -> Result<Token<'a>, Abort> {
        let byte = self.text.as_bytes()[at];
        let quote = self.here().start;
        let line_break = self.text[at..self.here().end].find(['\n', '\r']);
        if let Some(i) = line_break
            && self.recovered < self.max_recovered
        {
            let unclosed = ParseErrorKind::String(ParseStringErrorKind::UnterminatedStringLiteral);
            self.recover(
                Range {
                    start: quote,
                    end: at + i,
                },
                &unclosed,
            )?;
            return self.cut_string(at + i);
        }
        self.problems.push(LoadProblem {
            kind: ProblemKind::Syntax,
            span: Span::new(at, at + 1),
            message: format!(
                "invalid JSON: control character U+{byte:04X} inside a string must be escaped"
            ),
            first: None,
        });
        if self.recovered >= self.max_recovered {
            return Err(Abort);
        }
        self.recovered += 1;
        Ok(Token::String(text))
    }

    /// The current string token read as ending at `line_break`, and the scanner restarted
    /// there: the text between is scanned twice, which [`MAX_RECOVERED`] bounds.
    #[cold]
    fn cut_string(&mut self, line_break: usize) -> Result<Token<'a>, Abort> {
        let quote = self.here().start;
        let inner = &self.text[quote + 1..line_break];
        if inner.contains('\\') {
            return Err(Abort);
        }
        self.cut_quote = quote;
        self.base = line_break;
        self.scanner = Scanner::new(&self.text[line_break..], &strict());
        self.previous_cut_at = self.cut_at;
        self.cut_at = line_break;
        Ok(Token::String(Cow::Borrowed(inner)))
    }
}

fn too_deep(span: Span, depth: usize, problems: &mut Vec<LoadProblem>) -> Result<(), Abort> {
    if depth > MAX_DEPTH {
        problems.push(LoadProblem {
            kind: ProblemKind::Syntax,
            span: Span::new(span.start as usize, span.start as usize + 1),
            message: format!("nesting is deeper than {MAX_DEPTH} levels"),
            first: None,
        });
        return Err(Abort);
    }
    Ok(())
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_same_tree_shape_as_yaml() {
        let text = r#"{"a": "x\u2019y", "b": [1, true, null], "c": {"Ref": "K"}}"#;
        let loaded = load(text);
        assert!(loaded.problems.is_empty());
        let root = loaded.root.unwrap();
        assert_eq!(root.get("a").unwrap().as_str(), Some("x\u{2019}y"));
        assert_eq!(&text[root.get("a").unwrap().span.range()], r#""x\u2019y""#);
        assert_eq!(&text[root.entry("b").unwrap().key_span.range()], r#""b""#);
        let (name, _, arg) = root.get("c").unwrap().intrinsic().unwrap();
        assert_eq!((name, arg.as_str()), ("Ref", Some("K")));
    }

    #[test]
    fn rejects_what_json_rejects() {
        for bad in [
            r#"{"a": 1,}"#,
            r#"{"a": 'x'}"#,
            "{\"a\": 1 // c\n}",
            r#"{"a": """x"""}"#,
            "{\"a\": \"x\ty\"}",
            r#"{"a": 01}"#,
            r#"{"a": 1 "b": 2}"#,
            r#"{"a": [1"#,
        ] {
            let loaded = load_strict(bad);
            assert!(loaded.root.is_none(), "{bad}");
            assert_eq!(loaded.problems.len(), 1, "{bad}");
            assert_eq!(loaded.problems[0].kind, ProblemKind::Syntax, "{bad}");
        }
        // Not recovered: reading on would mean guessing what was meant.
        for bad in [
            r#"{"a": 'x', "b": 1}"#,
            r#"{"a": """x""", "b": 1}"#,
            r#"{"a": 01, "b": 1}"#,
            "{\"a\": \"x\\\"\n\"b\": 1}",
            r#"{"a": 1} {"b": 2}"#,
            r#"{a: 1}"#,
            r#"{"a": 1, "b": }"#,
        ] {
            let loaded = load(bad);
            assert!(loaded.root.is_none(), "{bad}");
            assert!(!loaded.recovered, "{bad}");
        }
    }

    /// What the recovery reads past, where each error is reported, and the tree it reads.
    #[test]
    fn recovers_comments_commas_controls_and_the_end_of_the_text() {
        let cases: [(&str, &[&str], &str); 8] = [
            (
                "{\"a\": 1, // c\n \"b\": [2, 3,], /* d */ \"c\": 4,}",
                &["// c", ",", "/* d */", ","],
                r#"{"a":1,"b":[2,3],"c":4}"#,
            ),
            (r#"{"a": 1 "b": [2 3]}"#, &["", ""], r#"{"a":1,"b":[2,3]}"#),
            ("{\"a\": \"x\ty\"}", &["\t"], r#"{"a":"x\ty"}"#),
            (
                r#"{"a": {"b": [1, {"c": 2"#,
                &[r#"{"c": 2"#],
                r#"{"a":{"b":[1,{"c":2}]}}"#,
            ),
            (r#"{"a": 1, "#, &[r#"{"a": 1, "#], r#"{"a":1}"#),
            (r#"[1, 2,]"#, &[","], "[1,2]"),
            // A string left unclosed ends at its line; its comma was likely in it.
            (
                "{\"a\": \"x,\n \"b\": \"y\"}",
                &["\"x,"],
                r#"{"a":"x,","b":"y"}"#,
            ),
            (
                "[\"x\t\n\"y]\n, 2]",
                &["\"x\t", "\"y]"],
                r#"["x\t","y]",2]"#,
            ),
        ];
        for (text, errors, tree) in cases {
            let loaded = load(text);
            assert!(loaded.recovered, "{text}");
            let at: Vec<&str> = loaded
                .problems
                .iter()
                .map(|p| &text[p.span.range()])
                .collect();
            assert_eq!(&at, errors, "{text}");
            assert_eq!(compact(loaded.root.as_ref().unwrap()), tree, "{text}");
        }
        let trailing = &load(r#"{"a": 1,}"#).problems[0];
        assert_eq!(
            trailing.cause(),
            Some(super::super::SyntaxCause::TrailingComma)
        );
    }

    #[test]
    fn recovery_stops_after_a_bounded_number_of_errors() {
        let text = format!("[{}1]", "0 ".repeat(100_000));
        let loaded = load(&text);
        assert!(loaded.root.is_none());
        assert_eq!(loaded.problems.len(), MAX_RECOVERED + 1);
        let text = format!("[{}1]", "0 ".repeat(MAX_RECOVERED));
        let loaded = load(&text);
        assert_eq!(loaded.problems.len(), MAX_RECOVERED);
        assert_eq!(
            loaded.root.unwrap().as_seq().unwrap().len(),
            MAX_RECOVERED + 1
        );
    }

    fn compact(node: &Node<'_>) -> String {
        match &node.value {
            Value::Scalar(s) if s.style == Style::JsonString => format!("{:?}", s.text),
            Value::Scalar(s) => s.text.to_string(),
            Value::Seq(items) => {
                let items: Vec<String> = items.iter().map(compact).collect();
                format!("[{}]", items.join(","))
            }
            Value::Map(entries) => {
                let entries: Vec<String> = entries
                    .iter()
                    .map(|e| format!("{:?}:{}", e.key, compact(&e.value)))
                    .collect();
                format!("{{{}}}", entries.join(","))
            }
            Value::Invalid => "?".into(),
        }
    }

    #[test]
    fn reports_duplicate_keys_with_the_first_definition() {
        let text = r#"{"a": 1, "a": 2}"#;
        let loaded = load(text);
        let problem = &loaded.problems[0];
        assert_eq!(problem.kind, ProblemKind::DuplicateKey);
        assert_eq!(problem.first, Some(Span::new(1, 4)));
        assert_eq!(loaded.root.unwrap().get("a").unwrap().as_str(), Some("2"));
    }

    #[test]
    fn strings_without_escapes_borrow_the_text() {
        let text = r#"{"a": "x", "b": "y\n", "c": [1, 2]}"#;
        let root = load(text).root.unwrap();
        let text_of = |key: &str| root.get(key).unwrap().scalar().unwrap().text.clone();
        assert!(matches!(text_of("a"), Cow::Borrowed("x")));
        assert!(matches!(text_of("b"), Cow::Owned(v) if v == "y\n"));
        assert_eq!(root.get("c").unwrap().as_seq().unwrap().len(), 2);
    }

    #[test]
    fn deep_nesting_is_a_problem() {
        let text = "[".repeat(100_000);
        let loaded = load(&text);
        assert!(loaded.root.is_none());
        let text = "[".repeat(300) + &"]".repeat(300);
        let loaded = load(&text);
        assert!(loaded.problems[0].message.contains("nesting"));
    }
}
