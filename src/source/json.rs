//! JSON to the located tree, through jsonc-parser's AST with every leniency switched off, so
//! what it accepts is what CloudFormation's JSON parser accepts.

use jsonc_parser::ast::{ObjectPropName, Value as Json};
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};

use super::tree::{Entry, Node, Scalar, Style, Value};
use super::yaml::MapBuilder;
use super::{LoadProblem, Loaded, MAX_DEPTH, ProblemKind, Span};

fn strict() -> ParseOptions {
    ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

pub fn load(text: &str) -> Loaded<'_> {
    let mut problems = Vec::new();
    let root = match parse_to_ast(text, &CollectOptions::default(), &strict()) {
        Ok(parsed) => match parsed.value {
            Some(value) => convert(text, value, 0, &mut problems).ok(),
            None => None,
        },
        Err(err) => {
            let range = err.range();
            problems.push(LoadProblem {
                kind: ProblemKind::Syntax,
                span: Span::new(range.start, range.end),
                message: format!("invalid JSON: {}", lowercase_first(&err.kind().to_string())),
                first: None,
            });
            None
        }
    };
    Loaded { root, problems }
}

struct Abort;

fn convert<'a>(
    text: &str,
    value: Json<'a>,
    depth: usize,
    problems: &mut Vec<LoadProblem>,
) -> Result<Node<'a>, Abort> {
    let scalar = |range: jsonc_parser::common::Range, text, style| Node {
        span: Span::new(range.start, range.end),
        value: Value::Scalar(Scalar { text, style }),
    };
    Ok(match value {
        Json::StringLit(lit) => {
            check_raw_controls(text, lit.range.start, lit.range.end, problems)?;
            scalar(lit.range, lit.value, Style::JsonString)
        }
        Json::NumberLit(lit) => scalar(lit.range, lit.value.into(), Style::JsonNumber),
        Json::BooleanLit(lit) => scalar(
            lit.range,
            if lit.value { "true" } else { "false" }.into(),
            Style::JsonBool,
        ),
        Json::NullKeyword(lit) => scalar(lit.range, "null".into(), Style::JsonNull),
        Json::Array(array) => {
            let span = Span::new(array.range.start, array.range.end);
            too_deep(span, depth, problems)?;
            let items = array
                .elements
                .into_iter()
                .map(|item| convert(text, item, depth + 1, problems))
                .collect::<Result<_, _>>()?;
            Node {
                span,
                value: Value::Seq(items),
            }
        }
        Json::Object(object) => {
            let span = Span::new(object.range.start, object.range.end);
            too_deep(span, depth, problems)?;
            let mut map = MapBuilder::with_capacity(object.properties.len());
            for prop in object.properties {
                let (key, range) = match prop.name {
                    ObjectPropName::String(lit) => {
                        check_raw_controls(text, lit.range.start, lit.range.end, problems)?;
                        (lit.value, lit.range)
                    }
                    // Unreachable with loose property names disallowed; kept total.
                    ObjectPropName::Word(word) => (word.value.into(), word.range),
                };
                let value = convert(text, prop.value, depth + 1, problems)?;
                map.insert(
                    Entry {
                        key,
                        key_span: Span::new(range.start, range.end),
                        value,
                    },
                    problems,
                );
            }
            Node {
                span,
                value: Value::Map(map.entries),
            }
        }
    })
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
    fn deep_nesting_is_a_problem() {
        let text = "[".repeat(100_000);
        let loaded = load(&text);
        assert!(loaded.root.is_none());
        let text = "[".repeat(300) + &"]".repeat(300);
        let loaded = load(&text);
        assert!(loaded.problems[0].message.contains("nesting"));
    }
}
