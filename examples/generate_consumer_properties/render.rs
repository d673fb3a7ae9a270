//! Renders `crates/kmslint-core/src/facts/consumer_properties.rs` from
//! `data/consumer-properties.tsv`. Shared by the
//! example that writes the file and by `tests/it/consumer_properties.rs`, which checks it is current.

/// The command that regenerates the table.
pub(crate) const COMMAND: &str = "cargo run --example generate_consumer_properties";

/// The TSV's path and the generated file's, from the crate root.
pub(crate) const TSV: &str = "data/consumer-properties.tsv";
pub(crate) const OUTPUT: &str = "crates/kmslint-core/src/facts/consumer_properties.rs";

/// One data row of the TSV.
pub(crate) struct Row {
    pub resource_type: String,
    pub path: String,
    /// Bits: 1 key ARN, 2 key ID, 4 alias name.
    pub formats: u8,
    pub kind: &'static str,
    pub create_only: bool,
}

/// The data rows, in file order; an error names the line that is wrong.
pub(crate) fn parse(tsv: &str) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    let mut header = false;
    for (index, line) in tsv.lines().enumerate() {
        let line_no = index + 1;
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        if !header {
            if fields[..5] != ["resource_type", "path", "formats", "kind", "create_only"] {
                return Err(format!("line {line_no}: unexpected header {line:?}"));
            }
            header = true;
            continue;
        }
        if fields.len() < 6 {
            return Err(format!(
                "line {line_no}: {} fields, expected 7",
                fields.len()
            ));
        }
        let mut formats = 0;
        for format in fields[2].split('|') {
            formats |= match format {
                "AWS::KMS::Key.Arn" => 1,
                "AWS::KMS::Key.Id" => 2,
                "AWS::KMS::Alias.AliasName" => 4,
                other => return Err(format!("line {line_no}: unknown format {other:?}")),
            };
        }
        let kind = match fields[3] {
            "encrypt" => "Encrypt",
            "sign" => "Sign",
            "other" => "Other",
            other => return Err(format!("line {line_no}: unknown kind {other:?}")),
        };
        let create_only = match fields[4] {
            "true" => true,
            "false" => false,
            other => return Err(format!("line {line_no}: create_only {other:?}")),
        };
        for (name, value) in [("resource_type", fields[0]), ("path", fields[1])] {
            if value.is_empty() || value.contains(['"', '\\']) {
                return Err(format!("line {line_no}: {name} {value:?}"));
            }
        }
        rows.push(Row {
            resource_type: fields[0].to_owned(),
            path: fields[1].to_owned(),
            formats,
            kind,
            create_only,
        });
    }
    if !header {
        return Err("no header line".to_owned());
    }
    Ok(rows)
}

fn formats_expr(bits: u8) -> String {
    if bits == 7 {
        return "KeyFormats::ANY".to_owned();
    }
    let names: Vec<&str> = [(1, "KEY_ARN"), (2, "KEY_ID"), (4, "ALIAS_NAME")]
        .iter()
        .filter(|(bit, _)| bits & bit != 0)
        .map(|(_, name)| *name)
        .collect();
    let mut expr = format!("KeyFormats::{}", names[0]);
    for name in &names[1..] {
        expr = format!("{expr}.union(KeyFormats::{name})");
    }
    expr
}

const PRELUDE: &str = r#"//! The resource properties that name a KMS key, from `data/consumer-properties.tsv` (cfn-lint's
//! resource schemas, whose `format: AWS::KMS::…` tags mark them, plus rows added by hand; see
//! `scripts/consumer-properties.py`).

/// One way of naming a key, as cfn-lint's schemas tag it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum KeyFormat {
    /// `AWS::KMS::Key.Arn`: `arn:<partition>:kms:<region>:<account>:key/<id>`.
    KeyArn,
    /// `AWS::KMS::Key.Id`: the key ID (a UUID, or `mrk-…`).
    KeyId,
    /// `AWS::KMS::Alias.AliasName`: `alias/<name>`.
    AliasName,
}

/// The set of [`KeyFormat`]s a property accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct KeyFormats(u8);

impl KeyFormats {
    pub(crate) const KEY_ARN: KeyFormats = KeyFormats(1);
    pub(crate) const KEY_ID: KeyFormats = KeyFormats(2);
    pub(crate) const ALIAS_NAME: KeyFormats = KeyFormats(4);
    /// A key ARN, a key ID or an alias name.
    pub(crate) const ANY: KeyFormats = KeyFormats(7);

    pub(crate) const fn union(self, other: KeyFormats) -> KeyFormats {
        KeyFormats(self.0 | other.0)
    }

    pub(crate) const fn contains(self, format: KeyFormat) -> bool {
        let bit = match format {
            KeyFormat::KeyArn => 1,
            KeyFormat::KeyId => 2,
            KeyFormat::AliasName => 4,
        };
        self.0 & bit != 0
    }
}

/// What the service does with the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ConsumerKind {
    /// An integrated service encrypting data: a symmetric encryption key only.
    Encrypt,
    /// Signing (Route 53 DNSSEC): an asymmetric `SIGN_VERIFY` key.
    Sign,
    /// A property that may legitimately name any kind of key (an alias's target, a replica's
    /// primary).
    Other,
}

/// A property naming a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ConsumerProperty {
    pub resource_type: &'static str,
    /// Dotted from `Properties`; `[]` marks list items, e.g.
    /// `BucketEncryption.ServerSideEncryptionConfiguration[].ServerSideEncryptionByDefault.KMSMasterKeyID`.
    pub path: &'static str,
    pub formats: KeyFormats,
    pub kind: ConsumerKind,
    /// Changing it replaces the resource (the property, or its top-level property, is in the
    /// schema's `createOnlyProperties`).
    pub create_only: bool,
}

/// The properties of one resource type (empty when it names no key).
pub(crate) fn for_type(resource_type: &str) -> &'static [ConsumerProperty] {
    let start = CONSUMER_PROPERTIES.partition_point(|p| p.resource_type < resource_type);
    let end =
        start + CONSUMER_PROPERTIES[start..].partition_point(|p| p.resource_type == resource_type);
    &CONSUMER_PROPERTIES[start..end]
}

/// Every property, sorted by (resource type, path).
pub(crate) static CONSUMER_PROPERTIES: &[ConsumerProperty] = &[
"#;

/// The Rust text of `crates/kmslint-core/src/facts/consumer_properties.rs` for the TSV, rows sorted.
pub(crate) fn render(tsv: &str) -> Result<String, String> {
    let mut rows = parse(tsv)?;
    rows.sort_by(|a, b| (&a.resource_type, &a.path).cmp(&(&b.resource_type, &b.path)));
    let mut out = format!("// @generated by `{COMMAND}` from {TSV}; do not edit.\n");
    out.push_str(PRELUDE);
    for row in &rows {
        out.push_str(&format!(
            "    ConsumerProperty {{\n        resource_type: \"{}\",\n        path: \"{}\",\n        \
             formats: {},\n        kind: ConsumerKind::{},\n        create_only: {},\n    }},\n",
            row.resource_type,
            row.path,
            formats_expr(row.formats),
            row.kind,
            row.create_only
        ));
    }
    out.push_str("];\n");
    Ok(out)
}
