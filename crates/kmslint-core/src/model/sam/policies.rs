//! A SAM function's `Policies` as the IAM policies of the role SAM generates for it
//! (AWS::Serverless::Function `Policies`,
//! https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-policies;
//! aws-sam-translator `model/role_utils/role_constructor.py`): a policy document is an inline
//! policy `<Role>Policy<N>`; a name or ARN is a managed policy; a policy template is the
//! statements of SAM's policy template table with its parameters put in.

use std::borrow::Cow;

use crate::source::{Entry, Node, Span};

use super::{entry, map, seq, text};

/// The policy templates that allow `kms:` actions, with the actions they allow on the key
/// their `KeyId` names (`arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${KeyId}`),
/// from aws-sam-translator's `policy_templates_data/policy_templates.json` (Policy template
/// list,
/// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-policy-template-list.html).
const KMS_TEMPLATES: &[(&str, &[&str])] = &[
    ("KMSDecryptPolicy", &["kms:Decrypt"]),
    ("KMSEncryptPolicy", &["kms:Encrypt"]),
    (
        "KMSEncryptPolicy_v2",
        &[
            "kms:Encrypt",
            "kms:GenerateDataKey",
            "kms:GenerateDataKeyWithoutPlaintext",
            "kms:GenerateDataKeyPair",
            "kms:GenerateDataKeyPairWithoutPlaintext",
        ],
    ),
];

/// The role's `Policies` and `ManagedPolicyArns` from the function's `Policies` (`role`: the
/// role's logical ID, for the policies' names).
pub(super) fn of<'a>(policies: Option<&Node<'a>>, role: &str) -> (Vec<Node<'a>>, Vec<Node<'a>>) {
    let (mut inline, mut managed) = (Vec::new(), Vec::new());
    let Some(policies) = policies else {
        return (inline, managed);
    };
    for (index, policy) in policies.one_or_many().iter().enumerate() {
        let at = policy.span;
        let named = |document: Node<'a>| {
            map(
                at,
                vec![
                    entry("PolicyName", at, text(format!("{role}Policy{index}"), at)),
                    entry("PolicyDocument", at, document),
                ],
            )
        };
        if let Some(name) = policy.as_str() {
            managed.push(managed_arn(name, at));
        } else if policy.get("Statement").is_some() || policy.intrinsic().is_some() {
            inline.push(named(policy.clone()));
        } else if let Some(document) = template(policy) {
            inline.push(named(document));
        }
    }
    (inline, managed)
}

/// An AWS managed policy's ARN from its name, as SAM makes it; an ARN as it is.
fn managed_arn<'a>(name: &str, at: Span) -> Node<'a> {
    if name.starts_with("arn:") {
        text(name.to_owned(), at)
    } else {
        text(format!("arn:aws:iam::aws:policy/{name}"), at)
    }
}

/// The policy document of a policy template SAM knows and that allows `kms:` actions
/// (`{"KMSDecryptPolicy": {"KeyId": …}}`); `None` for another template.
fn template<'a>(policy: &Node<'a>) -> Option<Node<'a>> {
    let [only] = policy.as_map()? else {
        return None;
    };
    let (_, actions) = KMS_TEMPLATES.iter().find(|(name, _)| *name == only.key)?;
    let key_id = only.value.get("KeyId")?;
    let at = only.key_span;
    let resource = sub_key_arn(key_id, at);
    let statement = map(
        at,
        vec![
            entry("Effect", at, text("Allow", at)),
            entry(
                "Action",
                at,
                seq(at, actions.iter().map(|a| text(*a, at)).collect()),
            ),
            entry("Resource", at, resource),
        ],
    );
    Some(map(
        at,
        vec![
            entry("Version", at, text("2012-10-17", at)),
            entry("Statement", at, seq(at, vec![statement])),
        ],
    ))
}

/// `!Sub ["arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${keyId}",
/// {keyId: KEY_ID}]`, the policy templates' `Resource`, with the `KeyId` given.
fn sub_key_arn<'a>(key_id: &Node<'a>, at: Span) -> Node<'a> {
    let variables = Node {
        span: key_id.span,
        value: crate::source::Value::Map(vec![Entry {
            key: Cow::Borrowed("keyId"),
            key_span: key_id.span,
            value: key_id.clone(),
        }]),
    };
    map(
        at,
        vec![entry(
            "Fn::Sub",
            at,
            seq(
                at,
                vec![
                    text(
                        "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${keyId}",
                        at,
                    ),
                    variables,
                ],
            ),
        )],
    )
}
