//! Writes `crates/kmslint-core/src/facts/via_services.rs` from `data/via-services.tsv`:
//! `cargo run --example generate_via_services` (from the crate root). The TSV itself is
//! written by `scripts/via-services.py` from botocore's service data.

#[allow(dead_code)]
mod render;

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let tsv = std::fs::read_to_string(root.join(render::TSV))
        .unwrap_or_else(|e| panic!("{}: {e}", render::TSV));
    let text = render::render(&tsv).unwrap_or_else(|e| panic!("{}: {e}", render::TSV));
    std::fs::write(root.join(render::OUTPUT), text)
        .unwrap_or_else(|e| panic!("{}: {e}", render::OUTPUT));
    eprintln!("wrote {}", render::OUTPUT);
}
