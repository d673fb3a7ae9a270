//! Writes `crates/kmslint-core/src/facts/consumer_properties.rs` from
//! `data/consumer-properties.tsv`:
//! `cargo run --example generate_consumer_properties` (from the crate root). The TSV itself is
//! written by `scripts/consumer-properties.py` from cfn-lint's schemas.

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
