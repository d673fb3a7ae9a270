//! Generates a hand-written deployment for the deployment benchmark (issue 24,
//! `benches/deployment.sh`), deterministically (a fixed-seed generator, no clock):
//!
//! - `keys-NN.yaml`: one stack in twenty (10 of 200) holds 3–5 `AWS::KMS::Key`s with their
//!   policies and aliases, and exports each key's ARN as `${AWS::StackName}-KeyArnM`;
//! - `app-NNN.yaml`: the other stacks use those keys, 5–15 resources each (log groups, queues,
//!   topics with a subscription, IAM roles and policies), importing the ARNs with
//!   `Fn::ImportValue` by a literal export name or by `!Sub '${KeysStack}-KeyArnM'`;
//! - `.kmslint.toml`: a `[[stacks]]` table declaring every template as a stack
//!   (docs/configuration.md, "Stacks"). One key stack in ten, and the consumers importing from
//!   it, are in us-east-1; the others in eu-west-1: an export can be imported only in its own
//!   Region (Fn::ImportValue, AWS CloudFormation User Guide), so each consumer imports from key
//!   stacks of its own Region.
//!
//! `cargo run --release --example generate_deployment -- OUT_DIR [STACKS] [clean]` (default 200
//! stacks). With `clean`, every key lets CloudWatch Logs and SNS in, so that the deployment
//! has no findings: linked or not, the same rules find the same nothing, and what the links
//! cost is measured alone.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

const ACCOUNT: &str = "111122223333";

/// A number in `low..=high`.
fn between(rng: &mut Rng, low: usize, high: usize) -> usize {
    low + rng.below((high - low + 1) as u64) as usize
}

/// One key stack: its name, Region and how many keys (exports) it has.
struct KeyStack {
    name: String,
    region: &'static str,
    keys: usize,
}

/// Whether every key lets the services of its consumers in (`clean`).
#[derive(Clone, Copy)]
struct Clean(bool);

/// One key of a key stack, as YAML, indented for `Resources:`. Some policies let CloudWatch
/// Logs (as the Logs guide's "Encrypt log data in CloudWatch Logs using AWS KMS" key policy
/// does) or SNS in, some do not: the consumers of the latter are what the rules across stacks
/// report.
fn key_resource(out: &mut String, n: usize, rng: &mut Rng, Clean(clean): Clean) {
    let _ = write!(
        out,
        "  Key{n}:
    Type: AWS::KMS::Key
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      Description: !Sub '${{AWS::StackName}} key {n}'
      EnableKeyRotation: true
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: EnableIamUserPermissions
            Effect: Allow
            Principal:
              AWS: !Sub 'arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:root'
            Action: 'kms:*'
            Resource: '*'
"
    );
    if rng.below(3) != 0 || clean {
        let _ = write!(
            out,
            "          - Sid: AllowCloudWatchLogs
            Effect: Allow
            Principal:
              Service: !Sub 'logs.${{AWS::Region}}.amazonaws.com'
            Action:
              - 'kms:Encrypt*'
              - 'kms:Decrypt*'
              - 'kms:ReEncrypt*'
              - 'kms:GenerateDataKey*'
              - 'kms:Describe*'
            Resource: '*'
            Condition:
              ArnLike:
                kms:EncryptionContext:aws:logs:arn: !Sub 'arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:*'
"
        );
    }
    if rng.below(2) == 0 || clean {
        let _ = write!(
            out,
            "          - Sid: AllowSnsToEncryptedQueues
            Effect: Allow
            Principal:
              Service: sns.amazonaws.com
            Action: ['kms:Decrypt', 'kms:GenerateDataKey']
            Resource: '*'
            Condition:
              StringEquals:
                aws:SourceAccount: !Ref AWS::AccountId
"
        );
    }
    let _ = write!(
        out,
        "  Alias{n}:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: !Sub 'alias/${{AWS::StackName}}/key-{n}'
      TargetKeyId: !Ref Key{n}
"
    );
}

fn key_template(stack: &KeyStack, rng: &mut Rng, clean: Clean) -> String {
    let mut out = format!(
        "AWSTemplateFormatVersion: '2010-09-09'\nDescription: KMS keys of the deployment ({}), exported for the application stacks\nResources:\n",
        stack.name
    );
    for n in 1..=stack.keys {
        key_resource(&mut out, n, rng, clean);
    }
    out.push_str("Outputs:\n");
    for n in 1..=stack.keys {
        let _ = write!(
            out,
            "  KeyArn{n}:
    Description: The ARN of key {n}, for the application stacks
    Value: !GetAtt Key{n}.Arn
    Export:
      Name: !Sub '${{AWS::StackName}}-KeyArn{n}'
"
        );
    }
    out
}

/// How a consumer names a key: an import of a literal export name (long or short form), or
/// of a name built from the `KeysStack` parameter. The short `!ImportValue` cannot hold a short
/// `!Sub` (Fn::ImportValue, AWS CloudFormation User Guide), so that one is the long form.
fn key_ref(stack: &KeyStack, by_parameter: bool, rng: &mut Rng) -> (String, String) {
    let n = 1 + rng.below(stack.keys as u64);
    if by_parameter && rng.below(2) == 0 {
        (
            String::new(),
            format!("Fn::ImportValue: !Sub '${{KeysStack}}-KeyArn{n}'"),
        )
    } else if rng.below(2) == 0 {
        (
            String::new(),
            format!("Fn::ImportValue: {}-KeyArn{n}", stack.name),
        )
    } else {
        (
            format!("!ImportValue {}-KeyArn{n}", stack.name),
            String::new(),
        )
    }
}

/// Writes `KEY: <the key's ARN>` at `indent` spaces: inline for the short form, as a mapping
/// on the next line for the long one.
fn put_key(out: &mut String, indent: usize, key: &str, reference: &(String, String)) {
    let pad = " ".repeat(indent);
    if reference.1.is_empty() {
        let _ = writeln!(out, "{pad}{key}: {}", reference.0);
    } else {
        let _ = writeln!(out, "{pad}{key}:\n{pad}  {}", reference.1);
    }
}

/// An item of a YAML list of key ARNs.
fn put_item(out: &mut String, indent: usize, reference: &(String, String)) {
    let pad = " ".repeat(indent);
    if reference.1.is_empty() {
        let _ = writeln!(out, "{pad}- {}", reference.0);
    } else {
        let _ = writeln!(out, "{pad}- {}", reference.1);
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    LogGroup,
    Queue,
    Topic,
    Role,
    Policy,
}

/// One consumer stack: its resources use keys of `main` (and some of `other`, a second key
/// stack of the same Region, when there is one).
fn app_template(
    name: &str,
    main: &KeyStack,
    other: Option<&KeyStack>,
    by_parameter: bool,
    rng: &mut Rng,
) -> String {
    let mut out = format!(
        "AWSTemplateFormatVersion: '2010-09-09'\nDescription: Application stack {name}, encrypted with keys of {}\n",
        main.name
    );
    if by_parameter {
        let _ = write!(
            out,
            "Parameters:
  KeysStack:
    Type: String
    Default: {}
    Description: The stack that exports the keys
",
            main.name
        );
    }
    out.push_str("Resources:\n");
    let count = between(rng, 5, 15);
    let mut kinds = Vec::with_capacity(count);
    for i in 0..count {
        // The first three are a log group, a queue and a topic, so every stack has each.
        let kind = match (i, rng.below(6)) {
            (0, _) => Kind::LogGroup,
            (1, _) => Kind::Queue,
            (2, _) => Kind::Topic,
            (_, 0 | 1) => Kind::LogGroup,
            (_, 2) => Kind::Queue,
            (_, 3) => Kind::Topic,
            (_, 4) => Kind::Role,
            _ => Kind::Policy,
        };
        kinds.push(kind);
    }
    let mut pick = |rng: &mut Rng| match other {
        Some(other) if rng.below(4) == 0 => key_ref(other, false, rng),
        _ => key_ref(main, by_parameter, rng),
    };
    let mut last_role = None;
    for (i, kind) in kinds.iter().enumerate() {
        write_resource(&mut out, i, *kind, &mut pick, rng, &mut last_role);
    }
    // A topic sending to a queue: SNS then uses the queue's key (the queue is a consumer of
    // sns.amazonaws.com, as KMS601 reads it).
    let topic = kinds.iter().position(|k| *k == Kind::Topic);
    let queue = kinds.iter().position(|k| *k == Kind::Queue);
    if let (Some(topic), Some(queue)) = (topic, queue) {
        let _ = write!(
            out,
            "  Subscription:
    Type: AWS::SNS::Subscription
    Properties:
      Protocol: sqs
      TopicArn: !Ref Topic{topic}
      Endpoint: !GetAtt Queue{queue}.Arn
"
        );
    }
    out
}

/// Writes resource `i` of a consumer stack, of `kind`, its keys from `pick`; a managed policy
/// is attached to the last role written before it (`last_role`).
fn write_resource(
    out: &mut String,
    i: usize,
    kind: Kind,
    pick: &mut dyn FnMut(&mut Rng) -> (String, String),
    rng: &mut Rng,
    last_role: &mut Option<usize>,
) {
    match kind {
        Kind::LogGroup => {
            let _ = writeln!(
                out,
                "  LogGroup{i}:
    Type: AWS::Logs::LogGroup
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      LogGroupName: !Sub '/app/${{AWS::StackName}}/{i}'
      RetentionInDays: {}",
                [7, 30, 90, 365][rng.below(4) as usize]
            );
            put_key(out, 6, "KmsKeyId", &pick(rng));
        }
        Kind::Queue => {
            let _ = writeln!(
                out,
                "  Queue{i}:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: {}
      KmsDataKeyReusePeriodSeconds: 300",
                30 + 30 * rng.below(10)
            );
            put_key(out, 6, "KmsMasterKeyId", &pick(rng));
        }
        Kind::Topic => {
            let _ = writeln!(
                out,
                "  Topic{i}:
    Type: AWS::SNS::Topic
    Properties:
      DisplayName: !Sub '${{AWS::StackName}} topic {i}'"
            );
            put_key(out, 6, "KmsMasterKeyId", &pick(rng));
        }
        Kind::Role => {
            let _ = writeln!(
                out,
                "  Role{i}:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              Service: lambda.amazonaws.com
            Action: sts:AssumeRole
      Policies:
        - PolicyName: use-keys
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: ['kms:Decrypt', 'kms:GenerateDataKey']
                Resource:"
            );
            for _ in 0..between(rng, 1, 2) {
                put_item(out, 18, &pick(rng));
            }
            *last_role = Some(i);
        }
        Kind::Policy => {
            let _ = writeln!(
                out,
                "  Policy{i}:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Description: !Sub 'Decrypt with the keys of ${{AWS::StackName}}'
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: kms:Decrypt
            Resource:"
            );
            for _ in 0..between(rng, 1, 3) {
                put_item(out, 14, &pick(rng));
            }
            if let Some(role) = *last_role {
                let _ = writeln!(out, "      Roles:\n        - !Ref Role{role}");
            }
        }
    }
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .unwrap_or_else(|| "target/bench-inputs/deployment".into());
    let stacks = match args.next() {
        Some(n) => n.parse::<usize>().map_err(|e| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("STACKS `{n}`: {e}"))
        })?,
        None => 200,
    };
    let clean = match args.next().as_deref() {
        None => Clean(false),
        Some("clean") => Clean(true),
        Some(other) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{other}`: the third argument is `clean` or nothing"),
            ));
        }
    };
    if stacks < 2 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "STACKS: at least 2 (one key stack and one consumer)",
        ));
    }
    let out = Path::new(&out);
    fs::create_dir_all(out)?;
    let mut rng = Rng(0xDE91_0E55_5EED_0024);
    // One stack in twenty holds keys (10 of 200), as the deployment does.
    let key_count = (stacks / 20).max(1);
    let consumers = stacks - key_count;
    let key_width = key_count.saturating_sub(1).to_string().len().max(2);
    let app_width = consumers.saturating_sub(1).to_string().len().max(3);
    let mut table = format!(
        "# Generated by examples/generate_deployment.rs: {stacks} stacks, keys in {key_count}.\n"
    );
    let push_stack = |table: &mut String, name: &str, region: &str, keys_stack: Option<&str>| {
        let _ = write!(
            table,
            "\n[[stacks]]\nname = \"{name}\"\ntemplate = \"{name}.yaml\"\nregion = \"{region}\"\naccount = \"{ACCOUNT}\"\n"
        );
        if let Some(keys) = keys_stack {
            let _ = writeln!(table, "parameters = {{ KeysStack = \"{keys}\" }}");
        }
    };

    let mut keys = Vec::with_capacity(key_count);
    for k in 0..key_count {
        let region = if k % 10 == 9 {
            "us-east-1"
        } else {
            "eu-west-1"
        };
        let stack = KeyStack {
            name: format!("keys-{k:0key_width$}"),
            region,
            keys: between(&mut rng, 3, 5),
        };
        fs::write(
            out.join(format!("{}.yaml", stack.name)),
            key_template(&stack, &mut rng, clean),
        )?;
        push_stack(&mut table, &stack.name, stack.region, None);
        keys.push(stack);
    }
    for i in 0..consumers {
        let name = format!("app-{i:0app_width$}");
        let main = &keys[i % key_count];
        // A second key stack of the same Region for one consumer in four.
        let other = if i % 4 == 0 {
            let start = rng.below(key_count as u64) as usize;
            (0..key_count)
                .map(|j| &keys[(start + j) % key_count])
                .find(|k| k.region == main.region && k.name != main.name)
        } else {
            None
        };
        let by_parameter = i % 3 == 0;
        let text = app_template(&name, main, other, by_parameter, &mut rng);
        fs::write(out.join(format!("{name}.yaml")), text)?;
        let given = by_parameter.then_some(main.name.as_str());
        push_stack(&mut table, &name, main.region, given);
    }
    fs::write(out.join(".kmslint.toml"), table)?;
    println!("wrote {stacks} stacks to {}", out.display());
    Ok(())
}
