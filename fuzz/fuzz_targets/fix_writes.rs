//! Writing fixed files (`kmslint::write::replace_fixed`, what `check --fix` does) in a
//! directory holding links planted as a pull request could: symbolic links to a file outside,
//! to a file inside, dangling ones, links under temporary-looking names, and a hard link to a
//! file outside. Whatever the layout and the content written, nothing outside the directory
//! changes (names, bytes, modes, link targets), no temporary file is left behind, and a file
//! written holds exactly the content given.
//!
//! The first byte chooses which entries are planted (one bit each), the second which of them
//! are written, the rest is the content.
#![no_main]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use kmslint::write::{Seen, replace_fixed};
use libfuzzer_sys::fuzz_target;

/// Everything under `dir`: each name with its kind, bytes or link target, and mode.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (String, Vec<u8>, u32)> {
    let mut found = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(at) = todo.pop() {
        let Ok(entries) = fs::read_dir(&at) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = fs::symlink_metadata(&path) else {
                continue;
            };
            let mode = meta.permissions().mode();
            let seen = if meta.file_type().is_symlink() {
                let target = fs::read_link(&path).unwrap_or_default();
                (
                    "link".to_owned(),
                    target.to_string_lossy().into_owned().into_bytes(),
                    mode,
                )
            } else if meta.is_dir() {
                todo.push(path.clone());
                ("dir".to_owned(), Vec::new(), mode)
            } else {
                ("file".to_owned(), fs::read(&path).unwrap_or_default(), mode)
            };
            found.insert(path, seen);
        }
    }
    found
}

fuzz_target!(|data: &[u8]| {
    let (plant, write, content) = match data {
        [plant, write, rest @ ..] => (*plant, *write, rest),
        _ => return,
    };
    let Ok(root) = tempfile::tempdir() else {
        return;
    };
    let (tree, outside) = (root.path().join("tree"), root.path().join("outside"));
    let made = fs::create_dir(&tree)
        .and_then(|()| fs::create_dir(&outside))
        .and_then(|()| fs::write(outside.join("hook"), b"#!/bin/sh\n"))
        .and_then(|()| fs::set_permissions(outside.join("hook"), fs::Permissions::from_mode(0o755)))
        .and_then(|()| fs::write(outside.join("key.yaml"), b"Resources: {}\n"))
        .and_then(|()| fs::write(tree.join("t.yaml"), b"Resources: {}\n"));
    if made.is_err() {
        return;
    }
    let plants: [(&str, &dyn Fn(&Path) -> std::io::Result<()>); 8] = [
        ("out.yaml", &|p| symlink(outside.join("key.yaml"), p)),
        ("in.yaml", &|p| symlink("t.yaml", p)),
        ("dangling.yaml", &|p| symlink("nowhere.yaml", p)),
        ("hard.yaml", &|p| fs::hard_link(outside.join("key.yaml"), p)),
        // The temporary names of old: `.NAME.kmslint-fix.PID`.
        (".t.yaml.kmslint-fix.1", &|p| {
            symlink(outside.join("hook"), p)
        }),
        ("up.yaml", &|p| symlink("../outside/hook", p)),
        ("dir", &|p| symlink(&outside, p)),
        ("loop.yaml", &|p| symlink("loop.yaml", p)),
    ];
    let mut names = vec!["t.yaml".to_owned(), "dir/key.yaml".to_owned()];
    for (i, (name, plant_it)) in plants.iter().enumerate() {
        if plant & (1 << i) != 0 && plant_it(&tree.join(name)).is_ok() {
            names.push((*name).to_owned());
        }
    }
    let before_outside = snapshot(&outside);
    let before_tree: Vec<PathBuf> = snapshot(&tree).into_keys().collect();
    let roots = vec![fs::canonicalize(&tree).unwrap_or(tree.clone())];
    for (i, name) in names.iter().enumerate() {
        if write & (1 << (i % 8)) == 0 {
            continue;
        }
        let path = tree.join(name);
        let seen = Seen::after_reading(&path, fs::read(&path).unwrap_or_default());
        if replace_fixed(&path, &roots, &seen, content).is_ok() {
            let target = fs::canonicalize(&path).unwrap_or(path);
            assert_eq!(fs::read(&target).ok().as_deref(), Some(content), "{name}");
        }
    }
    assert_eq!(
        snapshot(&outside),
        before_outside,
        "something outside changed"
    );
    let after_tree: Vec<PathBuf> = snapshot(&tree).into_keys().collect();
    assert_eq!(after_tree, before_tree, "names in the tree changed");
});
