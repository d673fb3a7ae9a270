//! Writing files without being led outside the tree by links planted in it (docs/fixes.md:
//! what `--fix` writes and what it leaves alone).
//!
//! `check --fix` replaces a template through a temporary file created exclusively (`O_CREAT |
//! O_EXCL`, which never follows a link) under an unpredictable name beside it, given the
//! template's mode before any content, then renamed over it (a rename replaces a link, never
//! writes through it). The report (`--output-file`) and the baseline (`--write-baseline`) are
//! never opened through a symbolic link at their last component.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, Once, PoisonError};
use std::time::SystemTime;

use crate::discover::describe_io;

/// What `--fix` read of a file: its bytes, and which file they came from as it was then, so
/// that it is replaced only while it is still the file read.
pub struct Seen {
    bytes: Vec<u8>,
    stamp: Option<Stamp>,
}

impl Seen {
    /// `bytes`, just read from `path` (through a link, if it is one).
    pub fn after_reading(path: &Path, bytes: Vec<u8>) -> Seen {
        let stamp = fs::metadata(path).ok().map(|meta| Stamp::of(&meta));
        Seen { bytes, stamp }
    }

    /// The bytes read.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Which file, of what size, last modified when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    #[cfg(unix)]
    device: u64,
    #[cfg(unix)]
    inode: u64,
}

impl Stamp {
    fn of(meta: &fs::Metadata) -> Stamp {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            device: meta.dev(),
            #[cfg(unix)]
            inode: meta.ino(),
        }
    }
}

/// Why a fixed file was not written; the file is then as it was.
#[derive(Debug)]
pub enum NotWritten {
    /// Left alone on purpose: a link leading outside the directories named, a read-only
    /// file, a file with other hard links, something not a regular file.
    Refused(String),
    /// It changed after it was read (saved by an editor meanwhile): that edit is kept.
    Changed,
    /// Writing it failed.
    Failed(io::Error),
}

impl fmt::Display for NotWritten {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotWritten::Refused(why) => f.write_str(why),
            NotWritten::Changed => {
                f.write_str("it changed while kmslint ran, so the change was kept; run again")
            }
            NotWritten::Failed(e) => f.write_str(&describe_io(e)),
        }
    }
}

/// The directories `--fix` may write in: each directory named on the command line, and for
/// a file named, the directory holding it (the name's, not a link target's); absolute and
/// without links.
pub(crate) fn roots_of(paths: &[PathBuf]) -> Vec<PathBuf> {
    paths
        .iter()
        .filter_map(|path| {
            if path.is_dir() {
                fs::canonicalize(path).ok()
            } else {
                let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
                fs::canonicalize(parent.unwrap_or(Path::new("."))).ok()
            }
        })
        .collect()
}

/// Replaces the file at `path`, read as `seen`, with `content`. A symbolic link is not
/// replaced: its target is, when it lies inside `roots` (see [`roots_of`]); otherwise, and
/// for a read-only file, one with other hard links or one that changed since it was read,
/// nothing is written.
pub fn replace_fixed(
    path: &Path,
    roots: &[PathBuf],
    seen: &Seen,
    content: &[u8],
) -> Result<(), NotWritten> {
    let target = destination(path, roots)?;
    let meta = fs::symlink_metadata(&target).map_err(NotWritten::Failed)?;
    replaceable(&meta)?;
    if seen.stamp != Some(Stamp::of(&meta)) {
        return Err(NotWritten::Changed);
    }
    let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else {
        return Err(NotWritten::Refused("not a file".to_owned()));
    };
    let mut temp = Temp::beside(dir, &name.to_string_lossy()).map_err(NotWritten::Failed)?;
    let written = (|| {
        let file = temp.file()?;
        // The owner's, group's and others' access before any content is in it.
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let own = file.metadata()?;
            if (own.uid(), own.gid()) != (meta.uid(), meta.gid()) {
                // Only root may give a file away; anyone else's copy stays theirs, as an
                // editor's would.
                let _ = std::os::unix::fs::fchown(&*file, Some(meta.uid()), Some(meta.gid()));
            }
        }
        file.set_permissions(meta.permissions())?;
        file.write_all(content)?;
        file.sync_all()
    })();
    written.map_err(NotWritten::Failed)?;
    // The last look: an edit saved while the file was being fixed is not overwritten.
    if !unchanged(&target, seen) {
        return Err(NotWritten::Changed);
    }
    temp.rename_to(&target).map_err(NotWritten::Failed)
}

/// Where the fixed text goes: `path` itself (without links), or the target of the link
/// `path` is, when inside `roots`.
fn destination(path: &Path, roots: &[PathBuf]) -> Result<PathBuf, NotWritten> {
    let link = fs::symlink_metadata(path)
        .map_err(NotWritten::Failed)?
        .file_type()
        .is_symlink();
    let target = fs::canonicalize(path).map_err(NotWritten::Failed)?;
    if roots.iter().any(|root| target.starts_with(root)) {
        return Ok(target);
    }
    Err(NotWritten::Refused(if link {
        format!(
            "it is a symbolic link to {}, outside the directories named on the command line, so it was left alone",
            target.display()
        )
    } else {
        format!(
            "it is {}, outside the directories named on the command line (through a linked directory), so it was left alone",
            target.display()
        )
    }))
}

/// Whether a file may be replaced: a regular file, with no other hard link (replacing it
/// would part it from them, writing in place would change them too), that its owner may
/// write.
fn replaceable(meta: &fs::Metadata) -> Result<(), NotWritten> {
    if !meta.file_type().is_file() {
        return Err(NotWritten::Refused("not a regular file".to_owned()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() > 1 {
            return Err(NotWritten::Refused(format!(
                "it has {} hard links, and kmslint fixes no file with other names (use --diff and apply the change by hand)",
                meta.nlink()
            )));
        }
        if meta.mode() & 0o200 == 0 {
            return Err(NotWritten::Refused(
                "it is read-only (its owner may not write it), so it was left alone".to_owned(),
            ));
        }
    }
    #[cfg(not(unix))]
    if meta.permissions().readonly() {
        return Err(NotWritten::Refused(
            "it is read-only, so it was left alone".to_owned(),
        ));
    }
    Ok(())
}

/// Whether the file at `path` is still the one read as `seen`: the same file, size and
/// modification time, and the same bytes.
fn unchanged(path: &Path, seen: &Seen) -> bool {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return false;
    };
    if seen.stamp != Some(Stamp::of(&meta)) {
        return false;
    }
    let Ok(file) = open_no_follow(fs::OpenOptions::new().read(true), path) else {
        return false;
    };
    let mut now = Vec::with_capacity(seen.bytes.len());
    // One byte more than was read tells a longer file.
    let limit = seen.bytes.len() as u64 + 1;
    file.take(limit).read_to_end(&mut now).is_ok() && now == seen.bytes
}

/// Opens `path` with `options`, refusing a symbolic link at its last component.
fn open_no_follow(options: &mut fs::OpenOptions, path: &Path) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    #[cfg(not(unix))]
    if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(io::Error::other("a symbolic link"));
    }
    options.open(path)
}

/// Creates (or truncates) a report or baseline file. A symbolic link at its last component
/// is refused, so a link committed under the name cannot send the write elsewhere; the
/// system's own links under `/dev` (`/dev/stderr`) are followed.
pub(crate) fn create_output(path: &Path) -> io::Result<File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    if path.starts_with("/dev") {
        return options.open(path);
    }
    match open_no_follow(&mut options, path) {
        Err(_) if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) => {
            Err(io::Error::other(
                "it is a symbolic link, and kmslint writes through none (remove it, or name the file it points to)",
            ))
        }
        opened => opened,
    }
}

/// The temporary files being written: removed by [`clean_up_on_signals`]' handler. Its lock
/// is held while one is created or renamed, so none is left behind by an interruption.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn live() -> MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// On SIGINT, SIGTERM or SIGHUP (Ctrl-C, Ctrl-Break on Windows), removes the temporary files
/// being written and exits with status 130. Installed once, by a run that fixes files.
pub(crate) fn clean_up_on_signals() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // A failure (a handler already set by an embedding program) leaves the default.
        let _ = ctrlc::set_handler(|| {
            // Held until the exit: no temporary file is made or renamed after this.
            let live = live();
            remove_all(&live);
            std::process::exit(130);
        });
    });
}

fn remove_all(paths: &[PathBuf]) {
    for path in paths {
        let _ = fs::remove_file(path);
    }
}

/// A temporary file, registered in [`LIVE`] while it exists; removed when dropped unless
/// renamed.
struct Temp(Option<tempfile::NamedTempFile>);

impl Temp {
    /// `.NAME.XXXXXXXX.kmslint-fix` in `dir`: created exclusively, unpredictably named,
    /// readable by its owner only.
    fn beside(dir: &Path, name: &str) -> io::Result<Temp> {
        let mut live = live();
        let mut builder = tempfile::Builder::new();
        let prefix = format!(".{name}.");
        builder
            .prefix(&prefix)
            .suffix(".kmslint-fix")
            .rand_bytes(12);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(fs::Permissions::from_mode(0o600));
        }
        let file = builder.tempfile_in(dir)?;
        live.push(file.path().to_path_buf());
        Ok(Temp(Some(file)))
    }

    fn file(&mut self) -> io::Result<&mut File> {
        self.0
            .as_mut()
            .map(|f| f.as_file_mut())
            .ok_or_else(|| io::Error::other("the temporary file is gone"))
    }

    #[cfg(test)]
    fn path(&self) -> Option<&Path> {
        self.0.as_ref().map(|f| f.path())
    }

    fn rename_to(mut self, to: &Path) -> io::Result<()> {
        let mut live = live();
        let Some(file) = self.0.take() else {
            return Err(io::Error::other("the temporary file is gone"));
        };
        let path = file.path().to_path_buf();
        // On failure the temporary file comes back, and is removed as it drops.
        let renamed = file.persist(to).map(drop).map_err(|e| e.error);
        live.retain(|p| *p != path);
        renamed
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if let Some(file) = self.0.take() {
            let mut live = live();
            let path = file.path().to_path_buf();
            drop(file);
            live.retain(|p| *p != path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(path: &Path) -> Seen {
        Seen::after_reading(path, fs::read(path).unwrap())
    }

    #[test]
    fn a_file_changed_after_reading_is_seen_as_changed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.yaml");
        fs::write(&path, "a: 1\n").unwrap();
        let read = seen(&path);
        assert!(unchanged(&path, &read));
        // The same size, and the modification time put back: the bytes still tell.
        let modified = fs::metadata(&path).unwrap().modified().unwrap();
        fs::write(&path, "a: 2\n").unwrap();
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(modified)
            .unwrap();
        assert!(!unchanged(&path, &read));
        // Another file put in its place, with the same bytes.
        fs::write(&path, "a: 1\n").unwrap();
        let other = dir.path().join("u.yaml");
        fs::write(&other, "a: 1\n").unwrap();
        let read = seen(&path);
        fs::rename(&other, &path).unwrap();
        assert!(!unchanged(&path, &read));
        // A longer file.
        let read = seen(&path);
        fs::write(&path, "a: 1\nb: 2\n").unwrap();
        assert!(!unchanged(&path, &read));
        assert!(matches!(
            replace_fixed(&path, &roots_of(std::slice::from_ref(&path)), &read, b"x"),
            Err(NotWritten::Changed)
        ));
        assert_eq!(fs::read(&path).unwrap(), b"a: 1\nb: 2\n");
    }

    #[cfg(unix)]
    #[test]
    fn temporary_files_are_private_until_given_the_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let temp = Temp::beside(dir.path(), "t.yaml").unwrap();
        let path = temp.path().unwrap().to_path_buf();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with(".t.yaml.") && name.ends_with(".kmslint-fix"),
            "{name}"
        );
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(live().contains(&path));
        drop(temp);
        assert!(!path.exists() && !live().contains(&path));
    }

    #[test]
    fn the_signal_handler_removes_the_temporary_files_being_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut temp = Temp::beside(dir.path(), "t.yaml").unwrap();
        temp.file().unwrap().write_all(b"half a templ").unwrap();
        // Only this test's: other tests may be writing beside it.
        let mine: Vec<PathBuf> = live()
            .iter()
            .filter(|p| p.starts_with(dir.path()))
            .cloned()
            .collect();
        assert_eq!(mine.len(), 1);
        remove_all(&mine);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        // Dropping it afterwards is harmless.
        drop(temp);
    }

    #[cfg(unix)]
    #[test]
    fn a_fixed_file_keeps_its_mode_and_nothing_is_left_beside_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.yaml");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let roots = roots_of(&[dir.path().to_path_buf()]);
        replace_fixed(&path, &roots, &seen(&path), b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn outputs_are_not_written_through_links() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        fs::write(&outside, "keep").unwrap();
        let link = dir.path().join("report.json");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        let err = create_output(&link).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(fs::read(&outside).unwrap(), b"keep");
        let plain = dir.path().join("new.json");
        create_output(&plain).unwrap().write_all(b"{}").unwrap();
        assert_eq!(fs::read(&plain).unwrap(), b"{}");
    }
}
