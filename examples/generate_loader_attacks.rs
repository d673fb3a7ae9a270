//! Hostile inputs for the loaders, at full size, for a before/after comparison of the
//! linter on them (see tests/hostile_source.rs for the scaled-down versions the tests run).
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

use std::fmt::Write as _;
use std::path::PathBuf;

const KEYS: usize = 10_000;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(
        std::env::args_os()
            .nth(1)
            .expect("usage: generate_loader_attacks DIR"),
    );
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("dup-keys-10000.yaml"), dup_keys_yaml(KEYS))?;
    std::fs::write(dir.join("dup-keys-10000.json"), dup_keys_json(KEYS))?;
    std::fs::write(dir.join("utf32le.yaml"), utf32le(ROTATING_KEY))?;
    std::fs::write(dir.join("flow.template"), FLOW_TEMPLATE)?;
    std::fs::write(dir.join("multidoc.yaml"), MULTIDOC)?;
    std::fs::write(
        dir.join("under-indented-quotes.yaml"),
        under_indented_quotes(100, 50_000),
    )?;
    eprintln!("wrote 6 files to {}", dir.display());
    Ok(())
}

/// A template whose `Resources` holds `n` topics, each name defined twice.
fn dup_keys_yaml(n: usize) -> String {
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

fn dup_keys_json(n: usize) -> String {
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

fn under_indented_quotes(n: usize, filler: usize) -> String {
    let mut out = String::from("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n");
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

fn utf32le(text: &str) -> Vec<u8> {
    std::iter::once('\u{FEFF}')
        .chain(text.chars())
        .flat_map(|c| u32::from(c).to_le_bytes())
        .collect()
}

const ROTATING_KEY: &str = "\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
";

/// Flow style with unquoted keys and a short-form tag: YAML, not JSON. The key has no
/// rotation (KMS104), which shows the file was linted.
const FLOW_TEMPLATE: &str = "\
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

/// A first document that is not a template, then a template whose key policy allows only
/// an unrelated account's role to administer the key (KMS204).
const MULTIDOC: &str = "\
name: notes
owner: platform
---
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
