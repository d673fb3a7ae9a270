//! `check --fix` and `--diff`: which fixes apply, writing fixed files, and the diff shown
//! instead of writing.

use std::io::{self, Write};
use std::path::Path;

use crate::fix::Applicability;
use crate::render::visible;

/// What `check` does with fixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FixMode {
    /// Report findings; fixes are only shown.
    Report,
    /// `--fix`: write the fixed files (stdin: print the fixed text), report what is left.
    Apply,
    /// `--diff`: print what `--fix` would change; write nothing.
    Diff,
}

/// The fix settings of one run.
#[derive(Clone, Copy, Debug)]
pub(super) struct FixOptions {
    pub mode: FixMode,
    /// `--unsafe-fixes`: unsafe fixes are applied and counted as fixable.
    pub unsafe_fixes: bool,
}

impl FixOptions {
    /// The least sure fix that is applied.
    pub fn least(self) -> Applicability {
        if self.unsafe_fixes {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        }
    }
}

const UTF8_BOM: &str = "\u{FEFF}";

/// Writes a fixed file back as it was encoded: UTF-8, with its byte-order mark if it had one.
/// The text is written to a temporary file beside it and renamed over it, so an interrupted
/// run never leaves half a template.
pub(super) fn write_fixed(path: &Path, text: &str, had_bom: bool) -> io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = dir
        .unwrap_or(Path::new("."))
        .join(format!(".{name}.kmslint-fix.{}", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        if had_bom {
            file.write_all(UTF8_BOM.as_bytes())?;
        }
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        // Keep the file's permissions (an executable bit, a read-only group).
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&temp, meta.permissions())?;
        }
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// A unified diff of one file, `a/NAME` to `b/NAME` as git prints them; empty when the texts
/// are equal.
pub(super) fn unified_diff(name: &str, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    let name = visible(name);
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&side("a", &name), &side("b", &name))
        .to_string()
}

/// `a/templates/key.yaml` as git names a side; an absolute path stays as it is.
fn side(prefix: &str, name: &str) -> String {
    if name.starts_with('/') {
        name.to_owned()
    } else {
        format!("{prefix}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_name_both_sides_and_are_empty_without_change() {
        let diff = unified_diff("t.yaml", "a: 1\nb: 2\n", "a: 1\nb: 3\n");
        assert!(diff.starts_with("--- a/t.yaml\n+++ b/t.yaml\n@@"), "{diff}");
        assert!(diff.contains("-b: 2\n+b: 3\n"), "{diff}");
        assert_eq!(unified_diff("t.yaml", "x", "x"), "");
    }

    #[test]
    fn a_fixed_file_keeps_its_byte_order_mark() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.yaml");
        std::fs::write(&path, "\u{FEFF}old").unwrap();
        write_fixed(&path, "new\r\n", true).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), "\u{FEFF}new\r\n".as_bytes());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
