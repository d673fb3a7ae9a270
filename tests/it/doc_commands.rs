//! Every kmslint command the documentation shows is run, so that an example cannot rot (as
//! `rule_docs.rs` runs the rules' examples). The pages are the README and `docs/**/*.md`.
//!
//! - A fenced block with the info string `console` holds commands, each on a line starting
//!   `$ kmslint` (a line ending in `\` goes on on the next), and after each, up to the next
//!   `$ ` line, its output as shown (stdout, then stderr). Each block runs in a fresh copy of
//!   `docs/examples/`, its commands in order (so one may read what the one before wrote), with
//!   `NO_COLOR`, stdin empty and `HOME` set to the copy. A command must exit 0 (no finding at
//!   the fail level) or 1 (findings); 2, a usage error, fails the test. Where output is shown,
//!   it must be what the command prints, compared line by line without trailing spaces, with
//!   the copy's path written `/home/user/project` and any `N.N.N` version read as the same;
//!   `KMSLINT_BLESS_DOCS=1` rewrites the shown output with what the commands print now. A
//!   command with no output under it only has to run.
//! - When a command names `--since`, the copy is a git repository whose `origin/main` holds
//!   the version before the change: each `NAME.old.EXT` of the examples as `NAME.EXT`.
//! - A console line is split as a shell splits words (shlex); pipes, redirections, `$`
//!   expansions, globs and `&&` are refused with the file and line, as they would need a
//!   shell that the test does not run.
//! - A kmslint command in any other block (`sh`, `text`, no info string...) fails the test:
//!   every command shown is in a console block, and so runs. In YAML blocks (CI jobs,
//!   pre-commit hooks), a `run:`, `entry:`, `script:` or `command:` value, a list item or a
//!   line of a block scalar that starts with `kmslint ` is run the same way (exit 0 or 1, output
//!   not compared), with the CI's own expansions (`${{ github.base_ref }}`, `$CI_COMMIT_SHA`)
//!   read as `main`, a branch the copy has when `--since` needs it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag};

use crate::common::{self, Kmslint};

/// How the copy of `docs/examples/` is written in the output the docs show.
const PROJECT: &str = "/home/user/project";

/// One fenced block of a page.
struct Block {
    /// The first word of the info string (`console`, `yaml`, ``).
    language: String,
    /// The line of the opening fence, counted from 0.
    fence: usize,
    /// The columns the fence is indented by (in a list item), stripped from its lines.
    indent: usize,
    /// The lines between the fences.
    lines: Vec<String>,
}

/// The fenced blocks of `text`, found as mdBook's Markdown parser finds them (in list items
/// too, and not in indented code or HTML).
fn blocks(text: &str) -> Vec<Block> {
    let line_of = |offset: usize| text[..offset].matches('\n').count();
    let all: Vec<&str> = text.split('\n').collect();
    let mut found = Vec::new();
    for (event, range) in Parser::new(text).into_offset_iter() {
        let Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) = event else {
            continue;
        };
        let fence = line_of(range.start);
        let line_start = text[..range.start].rfind('\n').map_or(0, |n| n + 1);
        let indent = range.start - line_start;
        // The block's last line is its closing fence, unless the block was never closed.
        let last = line_of(range.end.saturating_sub(1).max(range.start));
        let fence_text = all[fence].trim_start();
        let marker: String = fence_text
            .chars()
            .take_while(|c| *c == '`' || *c == '~')
            .collect();
        let closed = last > fence && all[last].trim_start().starts_with(&marker);
        let end = if closed { last } else { last + 1 };
        let lines = all[fence + 1..end.min(all.len())]
            .iter()
            .map(|line| {
                let spaces = line.len() - line.trim_start_matches(' ').len();
                line[spaces.min(indent)..].to_owned()
            })
            .collect();
        found.push(Block {
            language: info.split_whitespace().next().unwrap_or("").to_owned(),
            fence,
            indent,
            lines,
        });
    }
    found
}

/// One command of a console block: its first line (in the block), its text (continuation
/// lines joined), and the lines of output shown under it.
struct Shown {
    line: usize,
    command: String,
    output: std::ops::Range<usize>,
}

/// The commands of a console block, or the problem with its lines.
fn console_commands(lines: &[String]) -> Result<Vec<Shown>, (usize, String)> {
    let mut shown: Vec<Shown> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(first) = lines[i].strip_prefix("$ ") else {
            if shown.is_empty() && !lines[i].trim().is_empty() {
                return Err((
                    i,
                    "a console block starts with a `$ ` command line".to_owned(),
                ));
            }
            i += 1;
            continue;
        };
        let line = i;
        let mut command = first.to_owned();
        while command.ends_with('\\') && i + 1 < lines.len() {
            command.pop();
            command.truncate(command.trim_end().len());
            i += 1;
            command.push(' ');
            command.push_str(lines[i].trim());
        }
        i += 1;
        let start = i;
        while i < lines.len() && !lines[i].starts_with("$ ") {
            i += 1;
        }
        shown.push(Shown {
            line,
            command,
            output: start..i,
        });
    }
    for s in &mut shown {
        // Blank lines between a command's output and the next command are not output.
        while s.output.end > s.output.start && lines[s.output.end - 1].trim().is_empty() {
            s.output.end -= 1;
        }
    }
    Ok(shown)
}

/// `command` as the words a shell would pass, or why it cannot be run without a shell.
fn words(command: &str) -> Result<Vec<String>, String> {
    let mut quote = None;
    let mut escaped = false;
    let mut word_start = true;
    for c in command.chars() {
        if escaped {
            escaped = false;
            word_start = false;
            continue;
        }
        let at_word_start = std::mem::replace(&mut word_start, quote.is_none() && c == ' ');
        match (quote, c) {
            // A comment, to the end of the line (as shlex reads it).
            (None, '#') if at_word_start => break,
            (None | Some('"'), '\\') => escaped = true,
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '|' | '&' | ';' | '<' | '>' | '(' | ')' | '`' | '$' | '*' | '?')
            | (Some('"'), '$' | '`') => {
                return Err(format!(
                    "`{c}` needs a shell, which the docs' commands are not run in: show a \
                     command kmslint runs as it is (`-o FILE` instead of `>`, `--exit-zero` \
                     instead of `|| true`, the file names instead of a glob)"
                ));
            }
            _ => {}
        }
    }
    let words = shlex::split(command).ok_or_else(|| "unbalanced quotes".to_owned())?;
    match words.first().map(String::as_str) {
        Some("kmslint") => Ok(words),
        _ => Err(
            "a console block holds kmslint commands only, each run by the test; show other \
             commands (pip, git, cargo...) in a `sh` block"
                .to_owned(),
        ),
    }
}

/// The kmslint command a line of a YAML block runs, if any (see the module's documentation).
fn yaml_command(line: &str) -> Option<String> {
    let mut rest = line.trim();
    if let Some(item) = rest.strip_prefix("- ") {
        rest = item.trim_start();
    }
    for key in ["run:", "entry:", "script:", "command:"] {
        if let Some(value) = rest.strip_prefix(key) {
            rest = value.trim();
        }
    }
    for q in ['"', '\''] {
        if let Some(inner) = rest.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            rest = inner;
        }
    }
    (rest.starts_with("kmslint ")).then(|| ci_expansions(rest))
}

/// A CI's expansions (`${{ … }}`, `${NAME}`, `$NAME`) read as `main`.
fn ci_expansions(command: &str) -> String {
    let re =
        regex::Regex::new(r"\$\{\{[^}]*\}\}|\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*")
            .expect("the pattern");
    re.replace_all(command, "main").into_owned()
}

/// Whether a line of a block other than a console or YAML one shows a kmslint command.
fn is_command_line(line: &str) -> bool {
    let line = line.trim();
    let line = line.strip_prefix("$ ").unwrap_or(line);
    line == "kmslint" || line.starts_with("kmslint ")
}

/// A fresh copy of `docs/examples/`, as a git repository when `git` is set.
fn examples_copy(git: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let examples = common::root().join("docs/examples");
    copy_dir(&examples, dir.path());
    if git {
        // origin/main: the examples before the change, each NAME.old.EXT as NAME.EXT.
        let olds: Vec<(PathBuf, PathBuf)> = walkdir::WalkDir::new(dir.path())
            .into_iter()
            .filter_map(Result::ok)
            .filter_map(|e| {
                let path = e.path().to_owned();
                let name = path.file_name()?.to_str()?.to_owned();
                let (stem, ext) = name.split_once(".old.")?;
                Some((path.with_file_name(format!("{stem}.{ext}")), path))
            })
            .collect();
        let mut news = Vec::new();
        for (new, old) in &olds {
            news.push(std::fs::read(new).ok());
            std::fs::copy(old, new).expect("the old version");
        }
        let git = |args: &[&str]| {
            let status = Command::new("git")
                .args([
                    "-c",
                    "user.name=docs",
                    "-c",
                    "user.email=docs@example.com",
                    "-c",
                    "commit.gpgsign=false",
                ])
                .args(args)
                .current_dir(dir.path())
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("HOME", dir.path())
                .output()
                .expect("git runs (tests/it/cli_since.rs needs it too)");
            assert!(status.status.success(), "git {args:?}: {status:?}");
        };
        git(&["init", "-q", "-b", "main"]);
        git(&["add", "-A"]);
        git(&["commit", "-q", "-m", "before the change"]);
        git(&["update-ref", "refs/remotes/origin/main", "HEAD"]);
        for ((new, _), bytes) in olds.iter().zip(news) {
            match bytes {
                Some(bytes) => std::fs::write(new, bytes).expect("the new version"),
                None => std::fs::remove_file(new).expect("no new version"),
            }
        }
    }
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("docs/examples") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Runs `words` (after `kmslint`) in `dir`: its status and its output as the docs show it.
fn run(dir: &Path, words: &[String]) -> (i32, Vec<String>) {
    let run = Kmslint::new(dir, &words[1..])
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join(".config"))
        .env("FORCE_COLOR", "")
        .env("CLICOLOR_FORCE", "")
        .run();
    let mut output = run.stdout;
    if !output.is_empty() && !output.ends_with('\n') {
        output.push('\n');
    }
    output.push_str(&run.stderr);
    let mut paths = vec![dir.display().to_string()];
    if let Ok(real) = dir.canonicalize() {
        paths.insert(0, real.display().to_string());
    }
    for path in paths {
        output = output.replace(&path, PROJECT);
    }
    let mut lines: Vec<String> = output.lines().map(|l| l.trim_end().to_owned()).collect();
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    (run.status, lines)
}

/// Lines compared without their trailing spaces, and with any version number read as the same.
fn comparable(lines: &[String]) -> String {
    let version = regex::Regex::new(r"\b\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?\b").expect("the pattern");
    lines
        .iter()
        .map(|l| version.replace_all(l.trim_end(), "N.N.N").into_owned() + "\n")
        .collect()
}

/// What checking one page found: its problems (`file:line: what`), and with `bless` its text
/// with the shown output replaced by the actual one (`None` when nothing changed).
struct Checked {
    problems: Vec<String>,
    blessed: Option<String>,
}

/// Runs the commands of the page `name` (as the repository names it), whose text is `text`.
fn check_page(name: &str, text: &str, bless: bool) -> Checked {
    let mut problems = Vec::new();
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    // Later blocks first, so that a rewrite does not move the lines of the ones before.
    let mut found = blocks(text);
    found.reverse();
    for block in found {
        let at = |i: usize| format!("{name}:{}", block.fence + 2 + i);
        match block.language.as_str() {
            "console" => {
                let Some(new_lines) = check_console(&block, &at, bless, &mut problems) else {
                    continue;
                };
                let indent = " ".repeat(block.indent);
                let reindented = new_lines.into_iter().map(|l| {
                    if l.is_empty() {
                        l
                    } else {
                        format!("{indent}{l}")
                    }
                });
                let start = block.fence + 1;
                lines.splice(start..start + block.lines.len(), reindented);
            }
            "yaml" | "yml" => check_yaml(&block, &at, &mut problems),
            _ => {
                for (i, line) in block.lines.iter().enumerate() {
                    if is_command_line(line) {
                        problems.push(format!(
                            "{}: a kmslint command in a `{}` block: show it in a `console` \
                             block (`$ kmslint ...`), where the test runs it",
                            at(i),
                            block.language
                        ));
                    }
                }
            }
        }
    }
    // In the page's order: by line (the number after the first `:`).
    let line = |p: &String| -> usize {
        p[name.len() + 1..]
            .split(':')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    problems.sort_by_key(line);
    let blessed = lines.join("\n");
    Checked {
        problems,
        blessed: (bless && blessed != text).then_some(blessed),
    }
}

/// Runs the commands of a console block and compares the output shown; with `bless`, the
/// block's lines with the output each command prints now (`None` when nothing changed).
fn check_console(
    block: &Block,
    at: &dyn Fn(usize) -> String,
    bless: bool,
    problems: &mut Vec<String>,
) -> Option<Vec<String>> {
    let shown = match console_commands(&block.lines) {
        Ok(shown) => shown,
        Err((i, problem)) => {
            problems.push(format!("{}: {problem}", at(i)));
            return None;
        }
    };
    let dir = examples_copy(shown.iter().any(|s| s.command.contains("--since")));
    let mut replacements = Vec::new();
    for s in &shown {
        let words = match words(&s.command) {
            Ok(words) => words,
            Err(problem) => {
                problems.push(format!("{}: `{}`: {problem}", at(s.line), s.command));
                continue;
            }
        };
        let (status, actual) = run(dir.path(), &words);
        if !matches!(status, 0 | 1) {
            problems.push(format!(
                "{}: `{}` exited {status} (0 or 1 expected):\n{}",
                at(s.line),
                s.command,
                actual.join("\n")
            ));
            continue;
        }
        let expected = &block.lines[s.output.clone()];
        if s.output.is_empty() || comparable(expected) == comparable(&actual) {
            continue;
        }
        if bless {
            replacements.push((s.output.clone(), actual));
            continue;
        }
        let (expected, actual) = (expected.join("\n") + "\n", actual.join("\n") + "\n");
        let diff = similar::TextDiff::from_lines(&expected, &actual)
            .unified_diff()
            .header("shown", "printed")
            .to_string();
        problems.push(format!(
            "{}: `{}` prints something else than shown (KMSLINT_BLESS_DOCS=1 rewrites it):\n{diff}",
            at(s.line),
            s.command
        ));
    }
    if replacements.is_empty() {
        return None;
    }
    let mut new_lines = block.lines.clone();
    for (range, actual) in replacements.into_iter().rev() {
        new_lines.splice(range, actual);
    }
    Some(new_lines)
}

/// Runs the kmslint commands of a YAML block (CI jobs, pre-commit hooks): each must run.
fn check_yaml(block: &Block, at: &dyn Fn(usize) -> String, problems: &mut Vec<String>) {
    for (i, line) in block.lines.iter().enumerate() {
        let Some(command) = yaml_command(line) else {
            continue;
        };
        let words = match words(&command) {
            Ok(words) => words,
            Err(problem) => {
                problems.push(format!("{}: `{command}`: {problem}", at(i)));
                continue;
            }
        };
        let dir = examples_copy(command.contains("--since"));
        let (status, actual) = run(dir.path(), &words);
        if !matches!(status, 0 | 1) {
            problems.push(format!(
                "{}: `{command}` exited {status} (0 or 1 expected):\n{}",
                at(i),
                actual.join("\n")
            ));
        }
    }
}

/// The pages: the README and every Markdown file under `docs/`.
fn pages() -> Vec<PathBuf> {
    let root = common::root();
    let mut pages = vec![root.join("README.md")];
    pages.extend(
        walkdir::WalkDir::new(root.join("docs"))
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .map(|e| e.into_path())
            .filter(|p| p.extension().is_some_and(|e| e == "md")),
    );
    pages
}

#[test]
fn every_kmslint_command_in_the_docs_runs_as_shown() {
    let root = common::root();
    let bless = std::env::var_os("KMSLINT_BLESS_DOCS").is_some();
    let mut problems = Vec::new();
    let mut commands = 0;
    for page in pages() {
        let name = page
            .strip_prefix(&root)
            .unwrap_or(&page)
            .display()
            .to_string();
        let text = std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("{name}: {e}"));
        commands += text.matches("\n$ kmslint").count();
        let checked = check_page(&name, &text, bless);
        problems.extend(checked.problems);
        if let Some(blessed) = checked.blessed {
            std::fs::write(&page, blessed).unwrap_or_else(|e| panic!("{name}: {e}"));
            eprintln!("rewrote the output shown in {name}");
        }
    }
    assert!(commands > 0, "no `$ kmslint` command found in the docs");
    let mut report = String::new();
    for problem in &problems {
        let _ = writeln!(report, "{problem}\n");
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n\n{report}",
        problems.len()
    );
}

/// The examples are what the docs say of them (docs/examples/, CONTRIBUTING.md): a template
/// with findings, one of them safely fixable; a clean template and key policy; a change that
/// `kmslint diff` reports.
#[test]
fn the_examples_are_what_the_docs_say() {
    let dir = examples_copy(false);
    let json = |args: &[&str]| Kmslint::new(dir.path(), args).run().json();
    let report = json(&["check", "--format", "json", "templates/kms.yaml"]);
    let findings = report["diagnostics"].as_array().expect("diagnostics");
    assert!(findings.len() >= 2, "{report:#}");
    let safe = findings
        .iter()
        .filter(|d| d["fix"]["applicability"] == "safe")
        .count();
    assert_eq!(safe, 1, "{report:#}");
    for clean in ["templates/clean.yaml", "policies/key-policy.json"] {
        let run = Kmslint::new(dir.path(), &["check", clean]).run();
        assert_eq!(run.status, 0, "{clean}: {}{}", run.stdout, run.stderr);
    }
    let diff = json(&[
        "diff",
        "--format",
        "json",
        "review/keys.old.yaml",
        "review/keys.yaml",
    ]);
    assert_eq!(
        common::codes_for(&diff, "review/keys.yaml"),
        ["KMS501"],
        "{diff:#}"
    );
}

// --- the harness itself ----------------------------------------------------------------------

const SHOWN: &str = "# Page\n\
\n\
Text.\n\
\n\
```console\n\
$ kmslint check templates/clean.yaml\n\
Checked 1 file: no problems found (configuration: /home/user/project/.kmslint.toml)\n\
```\n\
\n\
1. In a list:\n\
\n\
   ```console\n\
   $ kmslint check templates/clean.yaml \\\n\
       policies/key-policy.json\n\
   Checked 9 files: no problems found (configuration: /home/user/project/.kmslint.toml)\n\
   ```\n";

#[test]
fn output_shown_is_compared_and_blessed() {
    let checked = check_page("page.md", SHOWN, false);
    assert_eq!(checked.problems.len(), 1, "{:?}", checked.problems);
    let problem = &checked.problems[0];
    assert!(problem.starts_with("page.md:13: `kmslint check templates/clean.yaml policies/key-policy.json` prints something else than shown"), "{problem}");
    assert!(
        problem.contains("-Checked 9 files: no problems found"),
        "{problem}"
    );
    assert!(
        problem.contains("+Checked 2 files: no problems found"),
        "{problem}"
    );
    assert!(checked.blessed.is_none());

    let blessed = check_page("page.md", SHOWN, true)
        .blessed
        .expect("rewritten");
    assert_eq!(blessed, SHOWN.replace("Checked 9 files", "Checked 2 files"));
    let again = check_page("page.md", &blessed, false);
    assert!(again.problems.is_empty(), "{:?}", again.problems);
}

#[test]
fn commands_that_need_a_shell_or_fail_are_reported_with_their_line() {
    let page = "```console\n\
                $ kmslint check templates/ | head\n\
                $ kmslint check --no-such-flag\n\
                $ pip install kmslint\n\
                ```\n\
                \n\
                ```sh\n\
                pipx install .\n\
                kmslint check templates/\n\
                ```\n";
    let problems = check_page("p.md", page, false).problems;
    assert_eq!(problems.len(), 4, "{problems:?}");
    assert!(
        problems[0].starts_with("p.md:2: `kmslint check templates/ | head`: `|` needs a shell"),
        "{problems:?}"
    );
    assert!(
        problems[1].starts_with("p.md:3: `kmslint check --no-such-flag` exited 2"),
        "{problems:?}"
    );
    assert!(
        problems[2].starts_with(
            "p.md:4: `pip install kmslint`: a console block holds kmslint commands only"
        ),
        "{problems:?}"
    );
    assert!(
        problems[3].starts_with("p.md:9: a kmslint command in a `sh` block"),
        "{problems:?}"
    );
}

#[test]
fn ci_commands_in_yaml_run_and_since_sees_the_old_version() {
    let page = "```yaml\n\
                - id: kmslint\n  entry: kmslint check --force-exclude\n\
                script:\n  - kmslint check --since origin/$CI_DEFAULT_BRANCH --no-such-flag\n\
                ```\n\
                \n\
                ```console\n\
                $ kmslint check --since origin/main --select KMS5 review/keys.yaml\n\
                ?\n\
                ```\n";
    let problems = check_page("ci.md", page, false).problems;
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[1].contains("KMS501"), "{problems:?}");
    assert!(
        problems[0]
            .starts_with("ci.md:5: `kmslint check --since origin/main --no-such-flag` exited 2"),
        "{problems:?}"
    );
}

#[test]
fn words_are_split_as_a_shell_splits_them() {
    assert_eq!(
        words(r#"kmslint check --exclude 'vendor/**' "my templates/a.yaml""#),
        Ok(vec![
            "kmslint".to_owned(),
            "check".to_owned(),
            "--exclude".to_owned(),
            "vendor/**".to_owned(),
            "my templates/a.yaml".to_owned()
        ])
    );
    assert!(words("kmslint check > out.txt").is_err());
    assert!(words("kmslint check templates/*.yaml").is_err());
    assert!(words("kmslint check \"$HOME\"").is_err());
    assert!(words("kmslint check && echo ok").is_err());
    assert_eq!(
        words("kmslint check  # every file; `-`: stdin | not a pipe"),
        Ok(vec!["kmslint".to_owned(), "check".to_owned()])
    );
    assert_eq!(
        yaml_command("  run: kmslint check --format github"),
        Some("kmslint check --format github".to_owned())
    );
    assert_eq!(
        yaml_command("  - 'kmslint check .'"),
        Some("kmslint check .".to_owned())
    );
    assert_eq!(yaml_command("  name: kmslint"), None);
    assert_eq!(yaml_command("  # kmslint: ignore KMS104"), None);
    assert_eq!(
        ci_expansions("kmslint check --since origin/${{ github.base_ref }} ${DIR}"),
        "kmslint check --since origin/main main"
    );
}
