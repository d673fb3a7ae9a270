//! `check --since REV`: each file's text at a git revision, read by running `git` (a
//! subprocess, not a git library: nothing more to build, and the repository is read by the
//! same git the user runs). The repository may be hostile (a pull request's checkout): git
//! runs with every setting that runs a program off, whatever `.git/config` says (see
//! [`git`]), and REV must be a revision, not an option or an index lookup.
//!
//! The repository is the current directory's (`git rev-parse --show-toplevel`), the revision
//! is resolved to a commit once (every file is read at that one commit, even if the branch
//! moves meanwhile), and every file's old version comes through ONE `git cat-file --batch`
//! process, read as the files are linted: thousands of files cost one process, and only the
//! old texts being linted are in memory at a time.
//!
//! What git does not give is decided here: a file outside the repository, or whose path git's
//! line-based batch input cannot carry (a line break in its name), is not compared, and says
//! why. Renames are not followed: a file renamed since the revision is a new file.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::thread::JoinHandle;

use crate::discover::describe_io;
use kmslint_core::source::read::{decode, too_large};

/// The repository and the revision files are compared with.
pub(crate) struct Repository {
    /// The work tree's root, canonical, so that canonical file paths can be cut against it.
    root: PathBuf,
    /// The revision as the user wrote it (`origin/main`), for names and messages.
    rev: String,
    /// The commit it resolves to (`git rev-parse`), which every file is read at.
    commit: String,
}

/// A file's version at the revision.
#[derive(Debug)]
pub(crate) enum Old {
    /// Its text.
    Text(String),
    /// No file at that path at the revision: the file is new.
    Absent,
    /// There is no version to compare with, and why ("it is outside the git repository …").
    NotCompared(String),
}

/// Where one file's old version is asked for: its path in the repository (with `/`), or why
/// it cannot be asked for.
pub(crate) type Request = Result<Vec<u8>, String>;

impl Repository {
    /// The current directory's repository and `rev`'s commit, or a message for the user that
    /// ends the run (git missing, not a repository, not a revision).
    pub(crate) fn open(rev: &str) -> Result<Repository, String> {
        let label = format!("--since {}", kmslint_core::lookup::abbreviate(rev));
        check_revision(rev).map_err(|why| format!("{label}: not a git revision: {why}"))?;
        let top = run_git(&["rev-parse", "--show-toplevel"], &label)?;
        if !top.status.success() {
            let said = first_line(&top.stderr, "git rev-parse failed");
            if said.contains("dubious ownership") {
                return Err(format!(
                    "{label}: git refuses the repository: it is owned by another user ({said}); \
                     kmslint runs git without your global git configuration except its \
                     `safe.directory` entries, and none of them names this repository: run \
                     kmslint as the repository's owner, or add it with `git config --global \
                     --add safe.directory PATH`"
                ));
            }
            return Err(format!(
                "{label}: the current directory is not in a git work tree ({said})"
            ));
        }
        let root = path_from_bytes(trim_line_end(&top.stdout));
        let root = std::fs::canonicalize(&root).map_err(|e| {
            format!(
                "{label}: the repository's root {} cannot be read: {}",
                root.display(),
                describe_io(&e)
            )
        })?;
        let verify = run_git(
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{rev}^{{commit}}"),
            ],
            &label,
        )?;
        let commit = String::from_utf8_lossy(trim_line_end(&verify.stdout)).into_owned();
        if !verify.status.success() || commit.is_empty() {
            return Err(format!(
                "{label}: not a git revision (a branch, tag or commit) of the repository at {}; \
                 in a shallow clone, fetch it first (actions/checkout: `fetch-depth: 0`)",
                root.display()
            ));
        }
        Ok(Repository {
            root,
            rev: rev.to_owned(),
            commit,
        })
    }

    /// The revision as the user wrote it.
    pub(crate) fn rev(&self) -> &str {
        &self.rev
    }

    /// Where `path` (a file on disk, or the name given to stdin) is in the repository. Links
    /// are resolved first, so a link's target is the file compared; a file outside the
    /// repository's work tree has no version there.
    pub(crate) fn request(&self, path: &Path) -> Request {
        let outside = || {
            format!(
                "it is outside the git repository at {}",
                self.root.display()
            )
        };
        let absolute = canonical(path).ok_or_else(outside)?;
        let relative = absolute.strip_prefix(&self.root).map_err(|_| outside())?;
        let mut bytes = Vec::new();
        for component in relative.components() {
            let Component::Normal(part) = component else {
                return Err(outside());
            };
            if !bytes.is_empty() {
                bytes.push(b'/');
            }
            bytes.extend_from_slice(&os_bytes(part).ok_or_else(|| {
                "its path is not UTF-8, which git cannot be asked for on this system".to_owned()
            })?);
        }
        if bytes.is_empty() {
            return Err(outside());
        }
        // `git cat-file --batch` reads one name a line.
        if bytes.contains(&b'\n') || bytes.contains(&b'\r') {
            return Err(
                "its name has a line break, which `git cat-file --batch` cannot read".into(),
            );
        }
        Ok(bytes)
    }

    /// The old versions of `requests`, in their order, through one `git cat-file --batch`
    /// started now. Each is read when the iterator gets to it; old versions larger than
    /// `max_size` are skipped (not compared, with a note).
    pub(crate) fn old_versions(
        &self,
        requests: Vec<Request>,
        max_size: u64,
    ) -> Result<Batch, String> {
        let mut child = git()
            .args(["cat-file", "--batch", "--buffer"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| spawn_error(&e, &format!("--since {}", self.rev)))?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("git cat-file: its pipes could not be opened".into());
        };
        // The names are written by a thread of their own: git answers while it reads, so a
        // writer that waited for nobody to read its answers would deadlock both once the pipes
        // are full.
        let names: Vec<Vec<u8>> = requests
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|path| {
                let mut line = Vec::with_capacity(self.commit.len() + path.len() + 2);
                line.extend_from_slice(self.commit.as_bytes());
                line.push(b':');
                line.extend_from_slice(path);
                line.push(b'\n');
                line
            })
            .collect();
        let writer = std::thread::spawn(move || {
            let mut stdin = io::BufWriter::new(stdin);
            for line in names {
                if stdin.write_all(&line).is_err() {
                    return;
                }
            }
            // Closing stdin ends git once it has answered.
            let _ = stdin.flush();
        });
        // git's complaints, kept (bounded) for the message if it fails.
        let errors = std::thread::spawn(move || {
            let mut kept = Vec::new();
            let mut stderr = stderr;
            let _ = (&mut stderr).take(16 << 10).read_to_end(&mut kept);
            let _ = io::copy(&mut stderr, &mut io::sink());
            kept
        });
        Ok(Batch {
            child: Some(child),
            stdout: BufReader::new(stdout),
            writer: Some(writer),
            errors: Some(errors),
            requests: requests.into_iter(),
            failed: None,
            max_size,
        })
    }
}

/// The old versions, one per request and in its order: `Err` when git failed (the run fails;
/// every later request gets the same error).
pub(crate) struct Batch {
    child: Option<Child>,
    stdout: BufReader<ChildStdout>,
    writer: Option<JoinHandle<()>>,
    errors: Option<JoinHandle<Vec<u8>>>,
    requests: std::vec::IntoIter<Request>,
    failed: Option<String>,
    max_size: u64,
}

impl Iterator for Batch {
    type Item = Result<Old, String>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.requests.next()? {
            Err(why) => Some(Ok(Old::NotCompared(why))),
            Ok(_) if self.failed.is_some() => Some(Err(self.failed.clone().unwrap_or_default())),
            Ok(_) => Some(self.read_one().map_err(|e| {
                let message = self.stop(Some(e));
                self.failed = Some(message.clone());
                message
            })),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.requests.size_hint()
    }
}

impl Batch {
    /// One answer: `<oid> <type> <size>\n<content>\n`, or `<name> missing\n`.
    fn read_one(&mut self) -> io::Result<Old> {
        let mut header = Vec::new();
        self.stdout.read_until(b'\n', &mut header)?;
        if header.pop() != Some(b'\n') {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "its output ended early",
            ));
        }
        let Some((kind, size)) = object_header(&header) else {
            if header.ends_with(b" missing") {
                return Ok(Old::Absent);
            }
            return Err(io::Error::other(format!(
                "unexpected output `{}`",
                String::from_utf8_lossy(&header)
            )));
        };
        // Only a blob within the limit is kept; anything else is read past.
        let read_content = kind == "blob" && size <= self.max_size;
        let (content, read) = if read_content {
            let mut bytes = Vec::with_capacity(size as usize);
            (&mut self.stdout).take(size).read_to_end(&mut bytes)?;
            let read = bytes.len() as u64;
            (bytes, read)
        } else {
            let read = io::copy(&mut (&mut self.stdout).take(size), &mut io::sink())?;
            (Vec::new(), read)
        };
        let mut end = [0u8];
        self.stdout.read_exact(&mut end)?;
        if read != size || end != [b'\n'] {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "its output ended early",
            ));
        }
        Ok(match kind {
            // A directory then, a file now: the file is new.
            "tree" => Old::Absent,
            "blob" if !read_content => {
                Old::NotCompared(format!("it is {}", too_large(size, self.max_size)))
            }
            "blob" => {
                let decoded = decode(content);
                match decoded.problem {
                    None => Old::Text(decoded.text),
                    Some(problem) => {
                        Old::NotCompared(format!("it cannot be read as text ({})", problem.message))
                    }
                }
            }
            // A submodule's commit: not a file of this repository.
            other => Old::NotCompared(format!("it is a {other} in git, not a file")),
        })
    }

    /// Ends git (if it still runs) and its threads; with `error`, the message for it, with
    /// what git said on stderr.
    fn stop(&mut self, error: Option<io::Error>) -> String {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
        let said = self
            .errors
            .take()
            .and_then(|errors| errors.join().ok())
            .unwrap_or_default();
        let said = first_line(&said, "");
        match (error, said.is_empty()) {
            (Some(e), true) => format!("git cat-file --batch: {}", describe_io(&e)),
            (Some(e), false) => format!("git cat-file --batch: {} ({said})", describe_io(&e)),
            (None, _) => String::new(),
        }
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        self.stop(None);
    }
}

/// `<oid> <type> <size>`: the type and size, or `None` for any other line.
fn object_header(line: &[u8]) -> Option<(&str, u64)> {
    let line = std::str::from_utf8(line).ok()?;
    let mut fields = line.split(' ');
    let (oid, kind, size) = (fields.next()?, fields.next()?, fields.next()?);
    if fields.next().is_some() || oid.is_empty() || !oid.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some((kind, size.parse().ok()?))
}

/// Why `rev` is not accepted as a revision: empty, an option (`-p`, `--output=FILE`), or an
/// index lookup or path (`:path`, `HEAD:path`, `:/message`): reading the index runs
/// `core.fsmonitor`, and a path is not a commit anyway. Ref names have no `:`, spaces or
/// control characters (git-check-ref-format(1)).
fn check_revision(rev: &str) -> Result<(), &'static str> {
    if rev.is_empty() {
        return Err("it is empty");
    }
    if rev.starts_with('-') {
        return Err("it starts with `-`, as an option does");
    }
    if rev.contains(':') {
        return Err("it has a `:` (a path or an index lookup, not a commit)");
    }
    if rev.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("it has a space or a control character");
    }
    Ok(())
}

/// Where nothing is: the hooks directory, the global configuration.
const NOTHING: &str = if cfg!(windows) { "NUL" } else { "/dev/null" };

/// The settings of the repository (and of the machine) that make git run a program, off:
/// its configuration is the repository's, which a pull request may have written. (kmslint
/// runs `rev-parse` and `cat-file --batch` only: no diff, so no external diff or textconv,
/// and plain `--batch` applies no filters; `--no-pager` and the prompts are for the rest.)
const SAFE_CONFIG: [&str; 8] = [
    // Run on every read of the index (`:path`) or status.
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    // A partial clone fetches missing objects on demand, through ssh or a helper.
    "protocol.allow=never",
    "core.sshCommand=false",
    "credential.helper=",
    "core.askPass=",
    // A bare repository inside the work tree (a directory of the checkout) is not used.
    "safe.bareRepository=explicit",
    "core.untrackedCache=false",
];

/// `git`, with the environment that keeps its output the same everywhere and runs nothing
/// the repository asks for: no system or global configuration (a neutral home, which also
/// keeps `~/.config/git` out), no pager, no prompt, no optional locks, no fetch.
fn git() -> Command {
    let mut command = Command::new("git");
    command.arg("--no-pager");
    for setting in SAFE_CONFIG {
        command.arg("-c").arg(setting);
    }
    for directory in user_safe_directories() {
        command.arg("-c").arg(format!("safe.directory={directory}"));
    }
    command
        .env("GIT_PAGER", "cat")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_NO_LAZY_FETCH", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", NOTHING)
        .env("HOME", if cfg!(windows) { "NUL" } else { "/nonexistent" })
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("GIT_ASKPASS")
        .env_remove("SSH_ASKPASS");
    command
}

/// The user's own `safe.directory` entries (system and global configuration), which the
/// neutral environment of [`git`] would otherwise drop: a repository the user trusts though
/// another user owns it (a container's checkout, as CI runners make) stays readable. They are
/// read once, outside any repository (from the file system's root), so no repository's
/// configuration is involved; given on the command line, they are git's protected
/// configuration, where `safe.directory` is honoured (git-config(1), `safe.directory`).
fn user_safe_directories() -> &'static [String] {
    static DIRECTORIES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    DIRECTORIES.get_or_init(|| {
        let root = if cfg!(windows) { "C:\\" } else { "/" };
        let output = Command::new("git")
            .args([
                "--no-pager",
                "config",
                "--includes",
                "--get-all",
                "safe.directory",
            ])
            .current_dir(root)
            .env("GIT_CEILING_DIRECTORIES", root)
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output();
        match output {
            Ok(output) if output.status.success() => String::from_utf8_lossy(&output.stdout)
                .lines()
                .map(str::to_owned)
                // An empty value resets the list (git-config(1)): what came before it is dropped.
                .fold(Vec::new(), |mut list, line| {
                    if line.is_empty() {
                        list.clear();
                    } else {
                        list.push(line);
                    }
                    list
                }),
            _ => Vec::new(),
        }
    })
}

/// Runs a short git command to its end.
fn run_git(args: &[&str], label: &str) -> Result<Output, String> {
    git()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| spawn_error(&e, label))
}

fn spawn_error(e: &io::Error, label: &str) -> String {
    if e.kind() == io::ErrorKind::NotFound {
        format!(
            "{label}: git is not installed or not on PATH (it is run to read files at the revision)"
        )
    } else {
        format!("{label}: git cannot be run: {}", describe_io(e))
    }
}

/// The first line of what a program printed, trimmed (`fallback` when there is none).
fn first_line(bytes: &[u8], fallback: &str) -> String {
    let text = String::from_utf8_lossy(bytes);
    match text.lines().map(str::trim).find(|l| !l.is_empty()) {
        Some(line) => line.to_owned(),
        None => fallback.to_owned(),
    }
}

fn trim_line_end(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes.strip_suffix(b"\r").unwrap_or(bytes)
}

/// `path` with links resolved: the file itself, or (stdin's name may be of a file that does
/// not exist yet) its directory's canonical path and its name.
fn canonical(path: &Path) -> Option<PathBuf> {
    if let Ok(path) = std::fs::canonicalize(path) {
        return Some(path);
    }
    let name = path.file_name()?;
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(parent).ok()?.join(name))
}

#[cfg(unix)]
fn os_bytes(part: &std::ffi::OsStr) -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    Some(part.as_bytes().to_vec())
}

#[cfg(not(unix))]
fn os_bytes(part: &std::ffi::OsStr) -> Option<Vec<u8>> {
    part.to_str().map(|s| s.as_bytes().to_vec())
}

#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_revisions_are_accepted() {
        for rev in [
            "HEAD",
            "HEAD~1",
            "origin/main",
            "v1.0^{commit}",
            "main@{1}",
            "abc123",
        ] {
            assert_eq!(check_revision(rev), Ok(()), "{rev}");
        }
        for rev in [
            "",
            "-p",
            "--output=/tmp/x",
            ":x",
            ":/message",
            "HEAD:keys.yaml",
            "a b",
            "a\nb",
        ] {
            assert!(check_revision(rev).is_err(), "{rev:?}");
        }
    }

    #[test]
    fn object_headers_are_told_from_missing_names() {
        assert_eq!(
            object_header(b"45b983be36b73c0788dc9cbcb76cbb80fc7bb057 blob 3"),
            Some(("blob", 3))
        );
        assert_eq!(object_header(b"HEAD:a b missing"), None);
        assert_eq!(object_header(b"abc:x blob 3"), None);
        assert_eq!(object_header(b"abc blob 3 4"), None);
    }
}
