//! Hostile inputs for the loaders, at full size, for a before/after comparison of the
//! linter on them. tests/it/hostile_source.rs runs the same generators and templates (this file
//! is its module `attacks`), scaled down, and asserts lines and columns in them: change them
//! with the tests.
//!
//! `cargo run --release --example generate_loader_attacks -- DIR`
//!
//! Writes into DIR:
//! - `dup-keys-10000.yaml`, `dup-keys-10000.json`: 10,000 resource names each defined twice
//!   in a template's `Resources`;
//! - `utf32le.yaml`: a template encoded as UTF-32LE with a byte-order mark;
//! - `flow.template`: a template in YAML flow style that starts with `{` and is not JSON
//!   (unquoted keys, `!Ref`);
//! - `multidoc.yaml`: two YAML documents, the first not a template, the second a template
//!   whose key policy locks everyone out (KMS204);
//! - `under-indented-quotes.yaml` (found while there): 50,000 resources, then 100 quoted
//!   scalars whose continuation lines are indented less than YAML 1.2 wants, as PyYAML and
//!   CloudFormation accept; each used to cost a parse of the whole file.
//! - `flow-list.yaml`, `flow-list.json`: 20 MB lists of one-character items, `[a,a,…]` and
//!   `[1,1,…]`, a node every two bytes (the YAML one took 3.9 GB to load);
//! - `empty-maps.yaml`: 20 MB of `[{a},{a},…]`, whose tree would take 28 times its size:
//!   reported as too large to analyse.

use std::fmt::Write as _;
use std::path::PathBuf;

const KEYS: usize = 10_000;

/// What `under-indented-quotes.yaml` starts with: a template with no resource yet.
const HEAD: &str = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n";

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(
        std::env::args_os()
            .nth(1)
            .expect("usage: generate_loader_attacks DIR"),
    );
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("dup-keys-10000.yaml"), dup_keys_yaml(KEYS))?;
    std::fs::write(dir.join("dup-keys-10000.json"), dup_keys_json(KEYS))?;
    std::fs::write(dir.join("utf32le.yaml"), utf32(ROTATING, false))?;
    std::fs::write(dir.join("flow.template"), FLOW)?;
    std::fs::write(dir.join("multidoc.yaml"), multidoc())?;
    std::fs::write(
        dir.join("under-indented-quotes.yaml"),
        under_indented_quotes(HEAD, 100, 50_000),
    )?;
    std::fs::write(dir.join("flow-list.yaml"), flow_list("a", 20 << 20))?;
    std::fs::write(dir.join("flow-list.json"), flow_list("1", 20 << 20))?;
    std::fs::write(dir.join("empty-maps.yaml"), flow_list("{a}", 20 << 20))?;
    eprintln!("wrote 9 files to {}", dir.display());
    Ok(())
}

/// A template whose `Resources` holds `n` topics, each name defined twice.
pub(crate) fn dup_keys_yaml(n: usize) -> String {
    let mut out = String::from("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n");
    for round in 0..2 {
        for i in 0..n {
            let _ = writeln!(
                out,
                "  Topic{i}:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: t{i}-{round}"
            );
        }
    }
    out
}

/// The same in JSON, one topic a line.
pub(crate) fn dup_keys_json(n: usize) -> String {
    let mut out =
        String::from("{\n  \"AWSTemplateFormatVersion\": \"2010-09-09\",\n  \"Resources\": {\n");
    for round in 0..2 {
        for i in 0..n {
            if round + i > 0 {
                out.push_str(",\n");
            }
            let _ = write!(
                out,
                "    \"Topic{i}\": {{\"Type\": \"AWS::SNS::Topic\", \"Properties\": {{\"TopicName\": \"t{i}-{round}\"}}}}"
            );
        }
    }
    out.push_str("\n  }\n}\n");
    out
}

/// `head`, then `filler` plain resources, then `n` quoted scalars whose continuation lines
/// are indented less than YAML 1.2 wants (as PyYAML and CloudFormation accept).
pub(crate) fn under_indented_quotes(head: &str, n: usize, filler: usize) -> String {
    let mut out = String::from(head);
    for i in 0..filler {
        let _ = writeln!(out, "  F{i}:\n    Type: AWS::SNS::Topic");
    }
    for i in 0..n {
        let _ = writeln!(
            out,
            "  T{i}:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Sub '{{\n  \"x\": {i}\n}}'"
        );
    }
    out
}

/// `text` in UTF-32 with a byte-order mark, little- or big-endian.
pub(crate) fn utf32(text: &str, big_endian: bool) -> Vec<u8> {
    std::iter::once('\u{FEFF}')
        .chain(text.chars())
        .flat_map(|c| {
            let c = u32::from(c);
            if big_endian {
                c.to_be_bytes()
            } else {
                c.to_le_bytes()
            }
        })
        .collect()
}

/// A key that rotates (no KMS104).
pub(crate) const ROTATING: &str = "\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
";

/// Flow style with unquoted keys and a short-form tag: YAML, not JSON. The key has no
/// rotation (KMS104 at 4:5), which shows the file was linted.
pub(crate) const FLOW: &str = "\
{
  AWSTemplateFormatVersion: '2010-09-09',
  Resources: {
    Key: {
      Type: AWS::KMS::Key,
      Properties: { Description: !Ref AWS::StackName }
    }
  }
}
";

/// A first document that is not a template, then [`LOCKED`].
pub(crate) fn multidoc() -> String {
    format!("name: notes\nowner: platform\n---\n{LOCKED}")
}

/// A key policy that lets only the stack's role use the key and nobody administer it: KMS204
/// at its `Statement` (line 9 here, 12 in [`multidoc`]).
pub(crate) const LOCKED: &str = "\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: UseOnly
            Effect: Allow
            Principal:
              AWS: !Sub arn:aws:iam::${AWS::AccountId}:role/app
            Action:
              - kms:Encrypt
              - kms:Decrypt
            Resource: '*'
";

/// A flow list of `item`s, `[item,item,…]`, of about `len` bytes.
pub(crate) fn flow_list(item: &str, len: usize) -> String {
    let n = (len / (item.len() + 1)).max(1);
    let mut out = String::with_capacity(n * (item.len() + 1) + 2);
    out.push('[');
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        out.push_str(item);
    }
    out.push_str("]\n");
    out
}
