//! JSON to the located tree, straight from jsonc-parser's scanner with every leniency
//! switched off, so what it accepts is what CloudFormation's JSON parser accepts.
//!
//! The tree is built while scanning rather than converted from jsonc-parser's AST: the AST
//! of a 10 MB template alone takes about as much memory as the tree. The grammar and the
//! errors follow jsonc-parser's own `parse_to_ast` with the same options.

use std::borrow::Cow;

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

pub(crate) fn load(text: &str) -> Loaded<'_> {
    let mut parser = Parser {
        text,
        scanner: Scanner::new(text, &strict()),
        problems: Vec::new(),
        budget: Budget::for_text(text.len()),
    };
    let root = parser.document().ok().flatten();
    Loaded {
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

    /// The next token; comments are errors, as in JSON.
    fn scan(&mut self) -> Result<Option<Token<'a>>, Abort> {
        match self.scanner.scan() {
            Ok(Some(Token::CommentLine(_) | Token::CommentBlock(_))) => {
                Err(self.error_here(ParseErrorKind::CommentsNotAllowed))
            }
            Ok(token) => Ok(token),
            Err(err) => Err(self.error(err.range(), err.kind())),
        }
    }

    fn here(&self) -> Range {
        Range {
            start: self.scanner.token_start(),
            end: self.scanner.token_end(),
        }
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
        let problem = self.budget.exceeded(self.text, self.scanner.token_start());
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
            Token::String(text) => {
                check_raw_controls(self.text, range.start, range.end, &mut self.problems)?;
                scalar(self.settle(text)?, Style::JsonString)
            }
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
                    check_raw_controls(
                        self.text,
                        key_range.start,
                        key_range.end,
                        &mut self.problems,
                    )?;
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
                None => return Err(self.unterminated(start, ParseErrorKind::UnterminatedObject)),
                Some(Token::Word(_) | Token::Number(_) | Token::Boolean(_) | Token::Null) => {
                    return Err(self.error_here(ParseErrorKind::ExpectedStringObjectProperty));
                }
                Some(_) => return Err(self.error_here(ParseErrorKind::UnexpectedTokenInObject)),
            }
            token = self.separator(true)?;
        }
        Ok(Node {
            span: Span::new(start, self.scanner.token_end()),
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
                None => return Err(self.unterminated(start, ParseErrorKind::UnterminatedArray)),
                Some(first) => {
                    let item = self.value(first, depth + 1)?;
                    super::push(&mut items, item);
                }
            }
            token = self.separator(false)?;
        }
        Ok(Node {
            span: Span::new(start, self.scanner.token_end()),
            value: Value::Seq(super::fit(items)),
        })
    }

    /// After a member: a comma and the next token, or the token that closes (or breaks)
    /// the collection. Trailing and missing commas are errors, where jsonc-parser puts them.
    fn separator(&mut self, in_object: bool) -> Result<Option<Token<'a>>, Abort> {
        let after_value = self.scanner.token_end();
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
                    return Err(self.error(comma, &ParseErrorKind::TrailingCommasNotAllowed));
                }
                Ok(next)
            }
            Some(
                Token::String(_)
                | Token::Word(_)
                | Token::Number(_)
                | Token::Boolean(_)
                | Token::Null,
            ) if in_object => Err(self.expected_comma(after_value)),
            Some(
                Token::OpenBrace
                | Token::OpenBracket
                | Token::String(_)
                | Token::Boolean(_)
                | Token::Number(_)
                | Token::Null,
            ) if !in_object => Err(self.expected_comma(after_value)),
            other => Ok(other),
        }
    }

    /// The end of the text inside a collection: the error spans it from its opening.
    fn unterminated(&mut self, start: usize, kind: ParseErrorKind) -> Abort {
        let end = self.scanner.token_end();
        self.error(Range { start, end }, &kind)
    }

    fn expected_comma(&mut self, at: usize) -> Abort {
        self.error(Range { start: at, end: at }, &ParseErrorKind::ExpectedComma)
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

/// JSON forbids raw control characters inside strings; jsonc-parser lets them through.
fn check_raw_controls(
    text: &str,
    start: usize,
    end: usize,
    problems: &mut Vec<LoadProblem>,
) -> Result<(), Abort> {
    let raw = &text.as_bytes()[start..end];
    if let Some(i) = raw.iter().position(|&b| b < 0x20) {
        let at = start + i;
        problems.push(LoadProblem {
            kind: ProblemKind::Syntax,
            span: Span::new(at, at + 1),
            message: format!(
                "invalid JSON: control character U+{:04X} inside a string must be escaped",
                raw[i]
            ),
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
        ] {
            let loaded = load(bad);
            assert!(loaded.root.is_none(), "{bad}");
            assert_eq!(loaded.problems[0].kind, ProblemKind::Syntax, "{bad}");
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
