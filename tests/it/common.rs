//! Shared by the integration tests: linting a fixture the way the command line does, and
//! reading the `# args:` line that gives a fixture its command-line settings; running the
//! `kmslint` binary with a deadline ([`Kmslint`], [`kmslint`], [`Run`]); temporary directories
//! of files ([`dir_with`]); the codes of a JSON report ([`codes_for`]); and the small templates
//! the tests lint beside their inputs ([`UNROTATED_KEY`], [`LOCKED_KEY`], [`CLEAN_KEY`]).

#![allow(dead_code)]

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use kmslint_core::config::{RuleSelection, Settings};
use kmslint_core::render::{self, FileOutput, Summary};
use kmslint_core::{Diagnostic, FileReport, lint_bytes, rules};

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The real-world corpus, `../shared/corpus` (or the folder `KMSLINT_TEST_CORPUS` names, to
/// try what follows), or `None` with a note saying the test skips it.
///
/// Under CI (`CI` set, as CI services set it, to anything but `false` or `0`) the corpus is
/// always laid beside the clone, so its absence means a broken setup: the test fails instead
/// of passing without having checked anything.
pub(crate) fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("KMSLINT_TEST_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/corpus"));
    if dir.is_dir() {
        return Some(dir);
    }
    skip(&format!(
        "{} is not here (the tests that read the corpus need it beside the clone)",
        dir.display()
    ));
    None
}

/// Says why a test skips its check (a tool or the corpus is missing here), or, under CI, fails
/// with that reason: CI installs what the tests need, so a skip there would be a check passing
/// without having checked anything.
pub(crate) fn skip(reason: &str) {
    assert!(
        !in_ci(),
        "{reason}\nUnder CI (CI={:?}) this test must not skip: install what it needs.",
        std::env::var("CI").unwrap_or_default()
    );
    eprintln!("skipped: {reason}");
}

/// Whether the tests run under CI: `CI` is set to anything but empty, `false` or `0`.
pub(crate) fn in_ci() -> bool {
    std::env::var("CI")
        .is_ok_and(|v| !matches!(v.trim().to_ascii_lowercase().as_str(), "" | "false" | "0"))
}

/// Settings from a fixture's `args` (`--region R --account A --deployer-arn ARN
/// --parameter K=V`), running only `only` when given, and also the rules `--also A,B` names
/// (KMS006 needs the rules whose findings its fixtures suppress).
pub(crate) fn settings(args: &str, only: Option<&str>) -> Settings {
    let mut settings = Settings::default();
    let mut also: Vec<String> = Vec::new();
    let mut words = args.split_whitespace();
    while let Some(flag) = words.next() {
        let value = words
            .next()
            .unwrap_or_else(|| panic!("`{flag}` needs a value"));
        match flag {
            "--region" => settings.region = Some(value.to_owned()),
            "--account" => settings.account = Some(value.to_owned()),
            "--deployer-arn" => settings.deployer_arn = Some(value.to_owned()),
            "--parameter" => {
                let (k, v) = value.split_once('=').expect("KEY=VALUE");
                std::sync::Arc::make_mut(&mut settings.parameters)
                    .insert(k.to_owned(), v.to_owned());
            }
            "--also" => also.extend(value.split(',').map(str::to_owned)),
            other => panic!("unknown fixture argument `{other}`"),
        }
    }
    if let Some(code) = only {
        settings.rules = RuleSelection {
            disabled: rules::RULES
                .iter()
                .map(|r| r.code)
                .filter(|c| *c != code && !also.iter().any(|a| a == c))
                .collect(),
            severity: HashMap::new(),
        };
    }
    settings
}

/// `settings` for the template `this` (a stack's name, and its text) linted as a stack of a
/// deployment with the stacks `others` (name, text), all in `settings`' Region and account,
/// the links made with what each stack reads (as change review, `check --since`, makes
/// them): for fixtures and rule docs of the rules across stacks.
pub(crate) fn in_deployment(
    settings: &Settings,
    this: (&str, &str),
    others: &[(String, String)],
) -> Settings {
    use kmslint_core::deployment::Stack;
    use kmslint_core::link::{StackFile, link};
    let stack = |name: &str| Stack {
        name: name.to_owned(),
        template: PathBuf::from(format!("{name}.template")),
        region: settings.region.clone(),
        account: settings.account.clone(),
        parameters: Default::default(),
        linked_parameters: Default::default(),
        deployer: None,
        nested_in: None,
    };
    let files: Vec<StackFile> = std::iter::once((this.0, this.1))
        .chain(others.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        .map(|(name, text)| StackFile {
            stack: stack(name),
            shown: format!("{name}.template"),
            text: Some(text.to_owned()),
        })
        .collect();
    let links = link(files, u64::MAX, true);
    let this = stack(this.0);
    links.settings(links.find(&this), &this, settings)
}

/// The default settings with only the rules `codes` on: a test asserting exact findings runs
/// the rules it is about, so that a new rule does not change what it sees (ruff's `test_path`
/// does the same). Panics on a code that is not a rule's, so a typo cannot select nothing.
pub(crate) fn only(codes: &[&str]) -> Settings {
    for code in codes {
        assert!(
            rules::RULES.iter().any(|r| r.code == *code),
            "{code} is not a rule"
        );
    }
    Settings {
        rules: RuleSelection {
            disabled: rules::RULES
                .iter()
                .map(|r| r.code)
                .filter(|c| !codes.contains(c))
                .collect(),
            severity: HashMap::new(),
        },
        ..Settings::default()
    }
}

/// A fixture's arguments: a first line `# args: …`, or a sidecar `<file>.args`.
pub(crate) fn fixture_args(path: &Path, text: &str) -> String {
    if let Some(args) = text.lines().next().and_then(|l| l.strip_prefix("# args:")) {
        return args.trim().to_owned();
    }
    let sidecar = PathBuf::from(format!("{}.args", path.display()));
    std::fs::read_to_string(sidecar)
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// The path as shown in output: relative to the project, with forward slashes.
pub(crate) fn display_path(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

pub(crate) fn lint_path(path: &Path, settings: &Settings) -> (FileReport, String) {
    lint_path_against(path, settings, &kmslint_core::Previous::NotCompared)
}

/// [`lint_path`], comparing the file with `previous` (change rules, KMS5xx).
pub(crate) fn lint_path_against(
    path: &Path,
    settings: &Settings,
    previous: &kmslint_core::Previous<'_>,
) -> (FileReport, String) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    lint_bytes(&display_path(path), bytes, settings, previous)
}

/// Lints a file of a walk ([`kmslint::discover`]) as `check` does, under the name the walk
/// gave it.
pub(crate) fn lint_input(
    input: &kmslint::discover::Input,
    settings: &Settings,
) -> (FileReport, String) {
    let bytes = std::fs::read(&input.path).expect("readable");
    lint_bytes(
        &input.name,
        bytes,
        settings,
        &kmslint_core::Previous::NotCompared,
    )
}

/// The pretty and JSON renderings of one file's findings, as the command line prints them.
pub(crate) fn rendered(name: &str, text: &str, diagnostics: &[Diagnostic]) -> String {
    rendered_against(name, text, diagnostics, None)
}

/// [`rendered`], for findings of a file compared with `previous` (its related places may be
/// in the old version).
pub(crate) fn rendered_against(
    name: &str,
    text: &str,
    diagnostics: &[Diagnostic],
    previous: Option<render::PreviousFile<'_>>,
) -> String {
    let output = FileOutput {
        path: name,
        text,
        diagnostics,
        previous,
    };
    let summary = summary_of(diagnostics, false);
    format!(
        "{}{}\n----- json -----\n{}",
        render::pretty::render_file(&output, false),
        render::pretty::summary_line(&summary),
        render::json::render(&[output], &summary)
    )
}

/// The summary of one file's findings, as the command line counts them (fixes that apply
/// with `--unsafe-fixes` or without it).
pub(crate) fn summary_of(diagnostics: &[Diagnostic], unsafe_fixes: bool) -> Summary {
    let mut summary = Summary {
        files: 1,
        unsafe_fixes,
        ..Summary::default()
    };
    summary.count(diagnostics);
    summary
}

// --- templates ----------------------------------------------------------------------------

/// A template with one key whose policy allows `$action` to the account, then `$rest`.
macro_rules! account_key {
    ($action:literal, $rest:literal) => {
        concat!(
            "Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'}
            Action: '",
            $action,
            "'
            Resource: '*'
",
            $rest
        )
    };
}

/// A key whose policy gives the account `kms:*`, without `EnableKeyRotation` or a
/// `DeletionPolicy`: KMS104 (rotation) and KMS105 (deletion policy), both at 2:3, and nothing
/// else.
pub(crate) const UNROTATED_KEY: &str = account_key!("kms:*", "");

/// A rotating, retained key whose policy gives the account `kms:*`: no finding at all.
pub(crate) const CLEAN_KEY: &str = account_key!(
    "kms:*",
    "      EnableKeyRotation: true
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
"
);

/// [`CLEAN_KEY`] with a policy that gives the account only `kms:Encrypt`, so nobody may
/// change it: KMS204 (policy-lockout) at 7:9 (offset 113), and nothing else.
pub(crate) const LOCKED_KEY: &str = account_key!(
    "kms:Encrypt",
    "      EnableKeyRotation: true
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
"
);

// --- findings with a related place in an old version ----------------------------------------

/// The name of [`OLD_KEY`] in [`compared_findings`].
pub(crate) const OLD_NAME: &str = "old/key.yaml";

/// The old version of [`UNROTATED_KEY`] in [`compared_findings`]: the key's properties in a
/// flow mapping after an emoji (two UTF-16 code units), and longer than the new version, so
/// that its last line is past the new text's end.
pub(crate) const OLD_KEY: &str = "Resources:
  Key:
    Type: AWS::KMS::Key
    Properties: {Description: \"\u{1f600} payments\", KeySpec: RSA_2048}
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
Outputs:
  KeyArn:
    Value: !GetAtt Key.Arn
    Export: {Name: payments-key-arn}
  KeyId:
    Value: !Ref Key
    Export: {Name: payments-key-id}
    Description: the payments key, whose ARN other stacks import by this export's name
";

/// Findings of [`UNROTATED_KEY`] as if compared with [`OLD_KEY`] (named [`OLD_NAME`]), built by
/// hand (the change rules do not make them yet): the first finding has a related place in
/// the file, one at `KeySpec: RSA_2048` of the old version (after the emoji), one on the old
/// version's last line (past the new text's end), and one in an old version named
/// `other.yaml`, whose text renderers do not have.
pub(crate) fn compared_findings() -> Vec<Diagnostic> {
    use kmslint_core::diagnostic::Related;
    use kmslint_core::source::{LineIndex, Span};
    let (new, old) = (UNROTATED_KEY, OLD_KEY);
    // KMS104 and KMS105, the unrotated key's two findings: another rule's could come first.
    let mut diagnostics = kmslint_core::lint_source("key.yaml", new, &only(&["KMS104", "KMS105"]));
    assert!(!diagnostics.is_empty());
    let old_lines = LineIndex::new(old);
    let in_old = |path: &str, needle: &str, message: &str| {
        let start = old.find(needle).expect("in the old version");
        let end = start + needle.len();
        Related {
            path: Some(path.to_owned()),
            span: Span::new(start, end),
            message: message.to_owned(),
            start: old_lines.position(old, start),
            end: old_lines.position(old, end),
        }
    };
    let new_lines = LineIndex::new(new);
    let here = new.find("KeyPolicy").expect("KeyPolicy");
    let mut same = Related::new(
        Span::new(here, here + "KeyPolicy".len()),
        "the key's policy",
    );
    same.start = new_lines.position(new, here);
    same.end = new_lines.position(new, here + "KeyPolicy".len());
    diagnostics[0].related = vec![
        same,
        in_old(OLD_NAME, "KeySpec: RSA_2048", "was `RSA_2048` here"),
        in_old(OLD_NAME, "whose ARN other stacks import", "exported here"),
        in_old("other.yaml", "DeletionPolicy: Retain", "retained here"),
    ];
    diagnostics
}

// --- running the binary -------------------------------------------------------------------

/// How long a run of the binary may take before it is killed and the test fails as a hang.
/// Generous for a debug build on a loaded 2-core machine; the tests' inputs take well under a
/// second in a release build.
pub(crate) const DEADLINE: Duration = Duration::from_secs(120);

/// A finished run of the binary.
#[derive(Debug)]
pub(crate) struct Run {
    /// The exit code, or -1 when the process was ended by a signal.
    pub status: i32,
    /// stdout and stderr, as UTF-8 (invalid bytes replaced).
    pub stdout: String,
    pub stderr: String,
    output: Output,
}

impl Run {
    /// stdout as one JSON document (`--format json`, `sarif`, `rules --format json`).
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("JSON output: {e}\n{}\n{}", self.stdout, self.stderr))
    }

    /// Lines of stderr that mention `needle`.
    pub(crate) fn stderr_lines(&self, needle: &str) -> Vec<&str> {
        self.stderr.lines().filter(|l| l.contains(needle)).collect()
    }

    /// The run as [`std::process::Output`], bytes as written.
    pub(crate) fn output(&self) -> &Output {
        &self.output
    }

    pub(crate) fn into_output(self) -> Output {
        self.output
    }
}

/// A run of the `kmslint` binary to be made: in `dir`, with `NO_COLOR=1`, stdin empty unless
/// [`Kmslint::stdin`] gives it bytes, killed past [`DEADLINE`] (or [`Kmslint::deadline`]).
/// The run fails the test when kmslint panics or runs out of memory.
pub(crate) struct Kmslint {
    dir: PathBuf,
    args: Vec<OsString>,
    stdin: Option<Vec<u8>>,
    env: Vec<(OsString, OsString)>,
    memory_kb: Option<u64>,
    no_file_writes: bool,
    deadline: Duration,
}

/// Runs `kmslint ARGS` in `dir` with the defaults of [`Kmslint`].
pub(crate) fn kmslint(dir: &Path, args: &[&str]) -> Run {
    Kmslint::new(dir, args).run()
}

impl Kmslint {
    pub(crate) fn new<S: AsRef<OsStr>>(dir: &Path, args: &[S]) -> Self {
        Kmslint {
            dir: dir.to_owned(),
            args: args.iter().map(|a| a.as_ref().to_owned()).collect(),
            stdin: None,
            env: Vec::new(),
            memory_kb: None,
            no_file_writes: false,
            deadline: DEADLINE,
        }
    }

    /// Bytes written to kmslint's stdin (then closed).
    pub(crate) fn stdin(mut self, bytes: &[u8]) -> Self {
        self.stdin = Some(bytes.to_owned());
        self
    }

    /// An environment variable, set after (and so over) `NO_COLOR`.
    pub(crate) fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Runs kmslint under `ulimit -v KB` (through `sh -c`), so a run that reads a large file
    /// whole fails instead of succeeding.
    pub(crate) fn memory_kb(mut self, kb: Option<u64>) -> Self {
        self.memory_kb = kb;
        self
    }

    /// Runs kmslint under `ulimit -f 0` (SIGXFSZ ignored), so that every write to a file
    /// fails as a full disk's would, even for root (a read-only directory does not stop it).
    pub(crate) fn no_file_writes(mut self) -> Self {
        self.no_file_writes = true;
        self
    }

    pub(crate) fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    pub(crate) fn run(self) -> Run {
        let bin = env!("CARGO_BIN_EXE_kmslint");
        let mut limits = String::new();
        if let Some(kb) = self.memory_kb {
            limits.push_str(&format!("ulimit -v {kb} && "));
        }
        if self.no_file_writes {
            limits.push_str("trap '' XFSZ && ulimit -f 0 && ");
        }
        let mut command = if limits.is_empty() {
            Command::new(bin)
        } else {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("{limits}exec \"$0\" \"$@\""))
                .arg(bin);
            c
        };
        command
            .args(&self.args)
            .current_dir(&self.dir)
            .env("NO_COLOR", "1")
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in &self.env {
            command.env(key, value);
        }
        let args = &self.args;
        let mut child = command.spawn().expect("kmslint starts");
        // Feed stdin and drain the pipes on threads, so a large input or output cannot block
        // the child (or the deadline).
        let input = self.stdin.map(|bytes| {
            let mut pipe = child.stdin.take().expect("stdin");
            std::thread::spawn(move || {
                // kmslint may exit without reading it all: a broken pipe is not this test's.
                let _ = pipe.write_all(&bytes);
            })
        });
        let drain = |mut pipe: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                pipe.read_to_end(&mut bytes).ok();
                bytes
            })
        };
        let out = drain(Box::new(child.stdout.take().expect("stdout")));
        let err = drain(Box::new(child.stderr.take().expect("stderr")));
        let started = Instant::now();
        let status: ExitStatus = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if started.elapsed() > self.deadline {
                child.kill().ok();
                panic!("kmslint {args:?} did not finish within {:?}", self.deadline);
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if let Some(input) = input {
            input.join().expect("stdin thread");
        }
        let output = Output {
            status,
            stdout: out.join().expect("stdout thread"),
            stderr: err.join().expect("stderr thread"),
        };
        let run = Run {
            status: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            output,
        };
        assert!(
            !run.stderr.contains("panicked") && !run.stderr.contains("memory allocation"),
            "kmslint {args:?} crashed:\n{}",
            run.stderr
        );
        run
    }
}

/// A temporary directory holding `files` (name relative to it, with any parent directories
/// made; content).
pub(crate) fn dir_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write");
    }
    dir
}

/// The codes of the findings for `path` in a `--format json` report, in order.
pub(crate) fn codes_for(json: &serde_json::Value, path: &str) -> Vec<String> {
    json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["path"] == path)
        .map(|d| d["code"].as_str().expect("code").to_owned())
        .collect()
}

/// The codes of the findings in a `--format json` report, whatever the file, in order.
pub(crate) fn codes(run: &Run) -> Vec<String> {
    run.json()["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["code"].as_str().expect("code").to_owned())
        .collect()
}

/// Fails, with a unified diff and the command that regenerates it, when the generated file
/// `output` is not `expected`, what its generator writes from the data file `data` today.
pub(crate) fn assert_generated(output: &str, expected: &str, data: &str, command: &str) {
    let actual = std::fs::read_to_string(root().join(output)).expect("the generated file");
    if actual != expected {
        let diff = similar::TextDiff::from_lines(actual.as_str(), expected)
            .unified_diff()
            .header(output, &format!("generated from {data}"))
            .to_string();
        panic!("{output} is not what {data} generates; run `{command}` to regenerate it.\n{diff}");
    }
}

/// Whether `actual` is the reviewed text of `path`: a failure with the difference when it is
/// not (`review`: where the new rows are to be judged), or the file rewritten under
/// `KMSLINT_BLESS=1`.
pub(crate) fn assert_reviewed(path: &std::path::Path, actual: &str, what: &str, review: &str) {
    let bless = std::env::var_os("KMSLINT_BLESS").is_some();
    match std::fs::read_to_string(path) {
        Ok(want) if want == actual => {}
        _ if bless => std::fs::write(path, actual).expect("write the reviewed file"),
        Ok(want) => panic!(
            "{what} differ from {} (KMSLINT_BLESS=1 rewrites it; then review the new rows in \
             {review}):\n{}",
            display_path(path),
            similar::TextDiff::from_lines(want.as_str(), actual)
                .unified_diff()
                .header("expected", "found")
        ),
        Err(_) => panic!(
            "{} is missing (KMSLINT_BLESS=1 writes it)",
            display_path(path)
        ),
    }
}
