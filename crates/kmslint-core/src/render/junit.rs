//! `--format junit`: JUnit XML, the test report CI systems show (GitLab's `artifacts: reports:
//! junit:`, Jenkins' `junit` step). Its shape is the one they document, not a formal standard:
//! <https://docs.gitlab.com/ci/testing/unit_test_reports/> and Jenkins' JUnit schema
//! <https://github.com/jenkinsci/junit-plugin/blob/master/src/main/resources/hudson/tasks/junit/types/junit-4.xsd>.
//!
//! One `<testsuites>` holding one `<testsuite name="kmslint">`; one `<testcase>` per file
//! linted (`classname` and `name` are its path), with one `<failure>` per finding (`type` is the
//! severity, `message` the code and message, the text its place and help). Files read but not
//! linted (not a template or key policy) are left out, as they are from the summary's count of
//! files; a path that could not be read is a testcase with an `<error>`.
//!
//! Everything from the input is made visible as in the human formats ([`super::visible`]:
//! XML 1.0 cannot hold most control characters even escaped), then escaped for XML (`&`, `<`,
//! `>`, `"`, `'`), so no value can close an element or attribute.

use crate::diagnostic::Diagnostic;

use super::{PathError, visible};

/// A linted file's findings, by the path the report names it with.
pub struct JunitFile<'a> {
    pub path: &'a str,
    pub diagnostics: &'a [Diagnostic],
}

/// The report, with the paths that could not be read.
pub fn render(files: &[JunitFile<'_>], errors: &[PathError]) -> String {
    let tests = files.len() + errors.len();
    let failures: usize = files.iter().map(|f| f.diagnostics.len()).sum();
    let counts = format!(
        "tests=\"{tests}\" failures=\"{failures}\" errors=\"{}\"",
        errors.len()
    );
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!("<testsuites name=\"kmslint\" {counts}>\n"));
    out.push_str(&format!("  <testsuite name=\"kmslint\" {counts}>\n"));
    for file in files {
        let path = escape(file.path);
        out.push_str(&format!(
            "    <testcase classname=\"{path}\" name=\"{path}\" file=\"{path}\""
        ));
        if file.diagnostics.is_empty() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        for d in file.diagnostics {
            out.push_str(&failure(file.path, d));
        }
        out.push_str("    </testcase>\n");
    }
    for error in errors {
        let path = escape(&error.path);
        out.push_str(&format!(
            "    <testcase classname=\"{path}\" name=\"{path}\" file=\"{path}\">\n      \
             <error message=\"{}\" type=\"unreadable\"/>\n    </testcase>\n",
            escape(&error.message)
        ));
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn failure(path: &str, d: &Diagnostic) -> String {
    // kmslint's own word: JUnit defines none for a failure's `type`.
    let severity = d.severity.as_str();
    let mut text = format!(
        "{path}:{}:{}: {} {}: {}",
        d.start.line, d.start.column, d.code, d.name, d.message
    );
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    format!(
        "      <failure message=\"{}\" type=\"{severity}\">{}</failure>\n",
        escape(&format!("{}: {}", d.code, d.message)),
        // The line break before `help` is kmslint's own; each part is made visible alone.
        text.split('\n').map(escape).collect::<Vec<_>>().join("\n"),
    )
}

/// Text for an XML attribute or element: made visible, then its markup characters escaped.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in visible(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Not characters XML 1.0 can hold, even as references (its `Char` production).
            '\u{fffe}' | '\u{ffff}' => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::source::Position;

    fn finding(message: &str) -> Diagnostic {
        Diagnostic {
            code: "KMS101",
            name: "some-rule",
            severity: Severity::Warning,
            message: message.to_owned(),
            span: crate::source::Span::default(),
            resource: None,
            pointer: String::new(),
            stable_pointer: String::new(),
            help: Some("do <this> & that".to_owned()),
            related: Vec::new(),
            fix: None,
            start: Position {
                line: 3,
                column: 5,
                ..Position::default()
            },
            end: Position::default(),
        }
    }

    #[test]
    fn hostile_text_cannot_break_out() {
        let hostile = "a\"b'c<d>e&f]]>g</failure><x>\u{0}\u{1b}\u{7}\r\n\u{fffe}";
        let escaped = escape(hostile);
        for bad in [
            '<', '>', '"', '\'', '\u{0}', '\u{1b}', '\u{7}', '\r', '\n', '\u{fffe}',
        ] {
            assert!(!escaped.contains(bad), "{bad:?} in {escaped}");
        }
        assert!(!escaped.contains("]]>"));
        assert_eq!(escape("a&b"), "a&amp;b");
        let diagnostics = [finding(hostile)];
        let xml = render(
            &[JunitFile {
                path: "dir/\"odd<name>.yaml",
                diagnostics: &diagnostics,
            }],
            &[PathError {
                path: "gone&.yaml".to_owned(),
                message: "no such <file>".to_owned(),
            }],
        );
        // Exactly the elements written, whatever the text held.
        assert_eq!(xml.matches("<failure ").count(), 1, "{xml}");
        assert_eq!(xml.matches("</failure>").count(), 1, "{xml}");
        assert_eq!(xml.matches("<testcase ").count(), 2, "{xml}");
        assert!(!xml.contains("<x>"), "{xml}");
        assert!(
            xml.contains("classname=\"dir/&quot;odd&lt;name&gt;.yaml\""),
            "{xml}"
        );
        assert!(
            xml.contains("<error message=\"no such &lt;file&gt;\" type=\"unreadable\"/>"),
            "{xml}"
        );
        assert!(
            xml.contains("\nhelp: do &lt;this&gt; &amp; that</failure>"),
            "{xml}"
        );
        assert!(
            xml.contains("tests=\"2\" failures=\"1\" errors=\"1\""),
            "{xml}"
        );
    }

    #[test]
    fn a_clean_file_is_a_passing_testcase() {
        let xml = render(
            &[JunitFile {
                path: "key.yaml",
                diagnostics: &[],
            }],
            &[],
        );
        assert!(
            xml.contains("<testcase classname=\"key.yaml\" name=\"key.yaml\" file=\"key.yaml\"/>"),
            "{xml}"
        );
        assert!(xml.contains("tests=\"1\" failures=\"0\" errors=\"0\""));
    }
}
