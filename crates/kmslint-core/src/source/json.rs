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
        token: Range { start: 0, end: 0 },
        base: 0,
        cut_at: usize::MAX,
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
    /// Where the current token is in the text.
    token: Range,
    /// Where the scanner's text starts in the text: after a string left unclosed, the
    /// scanner starts again at the end of its line.
    base: usize,
    /// Where the last string left unclosed was cut.
    cut_at: usize,
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
        loop {
            let scanned = self.scanner.scan();
            self.token = Range {
                start: self.base + self.scanner.token_start(),
                end: self.base + self.scanner.token_end(),
            };
            match scanned {
                Ok(Some(Token::CommentLine(_) | Token::CommentBlock(_))) => {
                    let range = self.here();
                    self.recover(range, &ParseErrorKind::CommentsNotAllowed)?;
                }
                Ok(Some(Token::String(text))) => return self.check_raw_controls(text).map(Some),
                Ok(token) => return Ok(token),
                Err(err) => return self.scan_error(&err).map(Some),
            }
        }
    }

    /// The scanner's error. A string that runs to the end of the text unclosed is read, when
    /// recovering, as ending at the end of its line, as one left unclosed before other
    /// strings is (see [`Self::check_raw_controls`]).
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
        let quote = self.token.start;
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
    fn here(&self) -> Range {
        self.token
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
        let problem = self.budget.exceeded(self.text, self.token.start);
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
        let range = self.here();
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
                    let key_range = self.here();
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
            span: Span::new(start, self.token.end),
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
            span: Span::new(start, self.token.end),
            value: Value::Seq(super::fit(items)),
        })
    }

    /// After a member: a comma and the next token, or the token that closes (or breaks)
    /// the collection. Trailing and missing commas are errors, where jsonc-parser puts them;
    /// when recovering, a trailing comma is ignored and a missing one assumed.
    fn separator(&mut self, in_object: bool) -> Result<Option<Token<'a>>, Abort> {
        let after_value = self.token.end;
        // Scanning on may cut another string: whether this one was cut is known now.
        let after_cut = after_value == self.cut_at;
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
                self.expected_comma(after_value, after_cut)?;
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
                self.expected_comma(after_value, after_cut)?;
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
        let end = self.token.end;
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
    fn expected_comma(&mut self, at: usize, after_cut: bool) -> Result<(), Abort> {
        if after_cut {
            // After a string read as ending at its line: its comma was likely inside it
            // (`"t,`), and the string's own error says what to fix.
            return Ok(());
        }
        self.recover(Range { start: at, end: at }, &ParseErrorKind::ExpectedComma)
    }

    /// A string token, checked: JSON forbids raw control characters inside strings, which
    /// jsonc-parser lets through. When recovering, the string is kept as written, unless the
    /// character is a line break: that is a string left unclosed (the scanner read on to the
    /// next quote), which is read as ending at the end of its line, the text after it read
    /// again from there. Only a string without escapes is cut so, since its text is the file's.
    #[inline]
    fn check_raw_controls(&mut self, text: Cow<'a, str>) -> Result<Token<'a>, Abort> {
        let range = self.token;
        let raw = &self.text.as_bytes()[range.start..range.end];
        match raw.iter().position(|&b| b < 0x20) {
            None => Ok(Token::String(text)),
            Some(i) => self.raw_control(range.start + i, raw[i], text),
        }
    }

    #[cold]
    fn raw_control(&mut self, at: usize, byte: u8, text: Cow<'a, str>) -> Result<Token<'a>, Abort> {
        let quote = self.token.start;
        let line_break = self.text[at..self.token.end].find(['\n', '\r']);
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
        let quote = self.token.start;
        let inner = &self.text[quote + 1..line_break];
        if inner.contains('\\') {
            return Err(Abort);
        }
        self.token = Range {
            start: quote,
            end: line_break,
        };
        self.base = line_break;
        self.scanner = Scanner::new(&self.text[line_break..], &strict());
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
