//! The parse floor for the benchmarks: what `kmslint check` does before any rule runs —
//! discover the files, read and decode them, and load each into the located tree, in
//! parallel on the same thread pool — and nothing more. `benches/run.sh` compares the
//! linter's wall time against this.
//!
//! `cargo run --release --example parse_floor -- PATH…`

use std::path::PathBuf;

use globset::GlobSet;
use kmslint::discover;
use kmslint_core::source::{self, Format, read};
use rayon::prelude::*;

fn main() {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let found = discover::discover(&paths, &GlobSet::empty());
    let nodes: usize = found
        .inputs
        .par_iter()
        .map(|input| {
            let Ok(bytes) = std::fs::read(&input.path) else {
                return 0;
            };
            let decoded = read::decode(bytes);
            let loaded = source::load(&decoded.text, Format::choose(&input.name, &decoded.text));
            // Use the result so the work cannot be optimised away.
            loaded.problems.len() + usize::from(loaded.root.is_some())
        })
        .sum();
    println!("{} files, {nodes} roots and problems", found.inputs.len());
}
