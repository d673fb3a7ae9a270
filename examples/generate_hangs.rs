//! Writes the inputs of the "super-linear work in the rules" attack into the directory given
//! as argument: `cargo run --example generate_hangs -- DIR`.
//!
//! - `conditional-consumers-*.yaml`: keys whose policy has one statement under each of N
//!   `Fn::If` conditions, each used by M log groups (`KmsKeyId: !GetAtt Key.Arn`): KMS601
//!   asked the same question of the key once per log group in every scenario.
//! - `description-4mb.yaml`: a key `Description` of 40-character tokens with the word
//!   "secret" at its end: KMS106 rescanned the text for the word once per token.
//! - `nested-if-33.yaml`: a public statement behind `Fn::If`s nested 33 deep, past the depth
//!   values are resolved to; `nested-key-spec-33-{old,new}.yaml`: a change of `KeySpec` as deep
//!   (`kmslint diff OLD NEW`).

use std::fmt::Write as _;
use std::path::Path;

/// Parameters `P0`..`P{n-1}` and conditions `A0`..`A{n-1}`, one on each.
fn conditions(n: usize) -> String {
    let mut s = String::from("Parameters:\n");
    for i in 0..n {
        let _ = writeln!(s, "  P{i}: {{Type: String, AllowedValues: ['yes', 'no']}}");
    }
    s.push_str("Conditions:\n");
    for i in 0..n {
        let _ = writeln!(s, "  A{i}: !Equals [!Ref P{i}, 'yes']");
    }
    s
}

/// `keys` keys, each with an admin statement and one statement under each of `n` conditions
/// (a role allowed to use the key), and `log_groups` log groups encrypted with each key.
pub(crate) fn conditional_consumers(n: usize, log_groups: usize, keys: usize) -> String {
    let mut s = conditions(n);
    s.push_str("Resources:\n");
    for k in 0..keys {
        let _ = write!(
            s,
            "  Key{k}:
    Type: AWS::KMS::Key
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      EnableKeyRotation: true
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Admin
            Effect: Allow
            Principal: {{AWS: !Sub 'arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:root'}}
            Action: 'kms:*'
            Resource: '*'
"
        );
        for i in 0..n {
            let _ = write!(
                s,
                "          - !If
            - A{i}
            - Sid: Use{i}
              Effect: Allow
              Principal: {{AWS: !Sub 'arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/App{i}'}}
              Action: ['kms:Encrypt', 'kms:Decrypt']
              Resource: '*'
            - !Ref AWS::NoValue
"
            );
        }
        for g in 0..log_groups {
            let _ = write!(
                s,
                "  Logs{k}x{g}:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 7
      KmsKeyId: !GetAtt Key{k}.Arn
"
            );
        }
    }
    s
}

/// A key whose `Description` is `bytes` long: 40-character tokens, then the word "secret".
pub(crate) fn long_description(bytes: usize) -> String {
    const TOKEN: &str = "Zx9mK2pQ7vR4tY8wB3nC6hJ1fL5sD0gA2eU7iO9q ";
    let mut description = TOKEN.repeat(bytes / TOKEN.len());
    description.push_str("secret");
    format!(
        "Resources:
  Key:
    Type: AWS::KMS::Key
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      EnableKeyRotation: true
      Description: '{description}'
"
    )
}

/// A key whose policy's second statement, public, is behind `depth` nested `Fn::If`s on one
/// condition (the other branch of each removes it).
pub(crate) fn nested_if(depth: usize) -> String {
    let mut statement = String::from(
        "{Sid: Public, Effect: Allow, Principal: '*', Action: 'kms:Decrypt', Resource: '*'}",
    );
    for _ in 0..depth {
        statement = format!("{{'Fn::If': [A0, {statement}, {{Ref: 'AWS::NoValue'}}]}}");
    }
    let mut s = conditions(1);
    let _ = write!(
        s,
        "Resources:
  Key:
    Type: AWS::KMS::Key
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      EnableKeyRotation: true
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Admin
            Effect: Allow
            Principal: {{AWS: !Sub 'arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:root'}}
            Action: 'kms:*'
            Resource: '*'
          - {statement}
"
    );
    s
}

/// A key whose `KeySpec` is `spec` behind `depth` nested `Fn::If`s on one condition (not set
/// in the other branch of each): a change rule compares it with the previous version's.
pub(crate) fn nested_key_spec(depth: usize, spec: &str) -> String {
    let mut value = spec.to_owned();
    for _ in 0..depth {
        value = format!("{{'Fn::If': [A0, {value}, {{Ref: 'AWS::NoValue'}}]}}");
    }
    let mut s = conditions(1);
    let _ = write!(
        s,
        "Resources:
  Key:
    Type: AWS::KMS::Key
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      KeyUsage: SIGN_VERIFY
      KeySpec: {value}
"
    );
    s
}

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: generate_hangs DIR");
        std::process::exit(2);
    };
    let dir = Path::new(&dir);
    let files = [
        (
            "conditional-consumers-12x10.yaml",
            conditional_consumers(12, 10, 1),
        ),
        (
            "conditional-consumers-12x10-40-keys.yaml",
            conditional_consumers(12, 10, 40),
        ),
        ("description-4mb.yaml", long_description(4 << 20)),
        ("nested-if-33.yaml", nested_if(33)),
        ("nested-if-32.yaml", nested_if(32)),
        (
            "nested-key-spec-33-old.yaml",
            nested_key_spec(33, "ECC_NIST_P256"),
        ),
        (
            "nested-key-spec-33-new.yaml",
            nested_key_spec(33, "RSA_2048"),
        ),
    ];
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("{}: {e}", dir.display());
        std::process::exit(1);
    }
    for (name, text) in files {
        let path = dir.join(name);
        if let Err(e) = std::fs::write(&path, &text) {
            eprintln!("{}: {e}", path.display());
            std::process::exit(1);
        }
        println!("{} ({} bytes)", path.display(), text.len());
    }
}
