//! `AWS::Serverless::Function` as the resources SAM makes of it (AWS::Serverless::Function,
//! https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html;
//! aws-sam-translator `model/sam_resources.py` `SamFunction`, `model/eventsources/`): the
//! function (`KmsKeyArn`, `Code.SourceKMSKeyArn`, `DeadLetterConfig`, `Role`), the execution
//! role `<Function>Role` when it names none, an event source mapping `<Function><Event>` per
//! SQS, Kinesis and DynamoDB event, an SNS subscription per SNS event (to its queue, with
//! `SqsSubscription`), an EventBridge rule per rule or schedule event with a dead-letter
//! queue, and `<Function>EventInvokeConfig` for `EventInvokeConfig`.

use std::borrow::Cow;

use crate::source::{Entry, Node};

use super::{derived, entry, get_att, map, policies, reference, resource, seq, text};

/// Adds the resources of the function `entry` (its properties with the globals merged in:
/// `properties`) to `out`.
pub(super) fn expand<'a>(entry_: &Entry<'a>, properties: &Node<'a>, out: &mut Vec<Entry<'a>>) {
    let name: &str = entry_.key.as_ref();
    let at = entry_.key_span;
    let role_name = format!("{name}Role");
    let given_role = properties.entry("Role");
    let mut function = Vec::new();
    if let Some(key) = properties.entry("KmsKeyArn") {
        function.push(key.clone());
    }
    if let Some(source_key) = properties.entry("SourceKMSKeyArn") {
        // SAM puts it in `Code` (of a ZIP package).
        function.push(entry(
            "Code",
            source_key.key_span,
            map(source_key.key_span, vec![source_key.clone()]),
        ));
    }
    if let Some(target) = properties
        .get("DeadLetterQueue")
        .and_then(|dlq| dlq.entry("TargetArn"))
    {
        function.push(entry(
            "DeadLetterConfig",
            target.key_span,
            map(target.key_span, vec![target.clone()]),
        ));
    }
    for kept in ["FunctionName", "Environment", "Tags"] {
        if let Some(value) = properties.entry(kept) {
            function.push(value.clone());
        }
    }
    match given_role {
        Some(role) => function.push(role.clone()),
        None => function.push(entry("Role", at, get_att(role_name.clone(), "Arn", at))),
    }
    out.push(resource(entry_, "AWS::Lambda::Function", at, function));
    if given_role.is_none() {
        out.push(role(entry_, properties, &role_name));
    }
    for event in properties
        .get("Events")
        .and_then(Node::as_map)
        .unwrap_or_default()
    {
        event_resources(entry_, event, out);
    }
    if let Some(config) = properties.entry("EventInvokeConfig") {
        out.push(invoke_config(entry_, config));
    }
}

/// The execution role SAM generates: `Policies` as the role's policies (`policies::of`), and
/// the AWS managed policies SAM adds itself (`_construct_role` of `sam_resources.py`, and each
/// pull event's `get_policy_arn`): logs always, X-Ray with `Tracing`, network interfaces with
/// `VpcConfig`, and reading the queue or stream of each SQS, Kinesis and DynamoDB event.
fn role<'a>(function: &Entry<'a>, properties: &Node<'a>, role_name: &str) -> Entry<'a> {
    let at = function.key_span;
    let (inline, mut managed) = policies::of(properties.get("Policies"), role_name);
    let mut implied = vec!["service-role/AWSLambdaBasicExecutionRole"];
    if properties
        .get("Tracing")
        .is_some_and(|t| t.as_str() != Some("Disabled"))
    {
        implied.push("AWSXrayWriteOnlyAccess");
    }
    if properties.get("VpcConfig").is_some() {
        implied.push("service-role/AWSLambdaVPCAccessExecutionRole");
    }
    for event in properties
        .get("Events")
        .and_then(Node::as_map)
        .unwrap_or_default()
    {
        let reader = match event.value.get("Type").and_then(Node::as_str) {
            Some("SQS") => "service-role/AWSLambdaSQSQueueExecutionRole",
            // The function reads the queue the topic sends to.
            Some("SNS") if sqs_subscription(&event.value).is_some() => {
                "service-role/AWSLambdaSQSQueueExecutionRole"
            }
            Some("Kinesis") => "service-role/AWSLambdaKinesisExecutionRole",
            Some("DynamoDB") => "service-role/AWSLambdaDynamoDBExecutionRole",
            _ => continue,
        };
        if !implied.contains(&reader) {
            implied.push(reader);
        }
    }
    managed.extend(
        implied
            .into_iter()
            .map(|name| text(format!("arn:aws:iam::aws:policy/{name}"), at)),
    );
    let assume = properties.entry("AssumeRolePolicyDocument").map_or_else(
        || {
            entry(
                "AssumeRolePolicyDocument",
                at,
                map(
                    at,
                    vec![
                        entry("Version", at, text("2012-10-17", at)),
                        entry("Statement", at, seq(at, Vec::new())),
                    ],
                ),
            )
        },
        Entry::clone,
    );
    let mut properties = vec![assume];
    if !inline.is_empty() {
        properties.push(entry("Policies", at, seq(at, inline)));
    }
    properties.push(entry("ManagedPolicyArns", at, seq(at, managed)));
    derived(
        function,
        Cow::Owned(role_name.to_owned()),
        "AWS::IAM::Role",
        at,
        properties,
    )
}

/// The queue an SNS event's `SqsSubscription` names (`QueueArn`; without it SAM makes the
/// queue, unencrypted).
fn sqs_subscription<'n, 'a>(event: &'n Node<'a>) -> Option<&'n Node<'a>> {
    event
        .get("Properties")?
        .get("SqsSubscription")?
        .get("QueueArn")
}

/// Adds the resources an event of the function becomes, when they bear on keys, to `out`.
fn event_resources<'a>(function: &Entry<'a>, event: &Entry<'a>, out: &mut Vec<Entry<'a>>) {
    if let Some(made) = event_resource(function, event) {
        out.push(made);
    }
    // With `SqsSubscription`, the function reads the queue through an event source mapping
    // `<Function><Event>EventSourceMapping` (`_inject_sqs_event_source_mapping` of
    // aws-sam-translator's `eventsources/push.py`).
    if event.value.get("Type").and_then(Node::as_str) == Some("SNS")
        && let Some(queue) = sqs_subscription(&event.value)
    {
        let at = event.key_span;
        out.push(derived(
            function,
            Cow::Owned(format!("{}{}EventSourceMapping", function.key, event.key)),
            "AWS::Lambda::EventSourceMapping",
            at,
            vec![
                entry("EventSourceArn", at, queue.clone()),
                entry("FunctionName", at, reference(function.key.clone(), at)),
            ],
        ));
    }
}

/// The resource an event of the function becomes, when it bears on keys.
fn event_resource<'a>(function: &Entry<'a>, event: &Entry<'a>) -> Option<Entry<'a>> {
    let kind = event.value.get("Type").and_then(Node::as_str)?;
    let properties = event.value.get("Properties")?;
    let at = event.key_span;
    let name = Cow::Owned(format!("{}{}", function.key, event.key));
    let function_name = || entry("FunctionName", at, reference(function.key.clone(), at));
    match kind {
        // A queue or stream the function reads through an event source mapping; `KmsKeyArn`
        // encrypts its filter criteria.
        "SQS" | "Kinesis" | "DynamoDB" => {
            let source = if kind == "SQS" { "Queue" } else { "Stream" };
            let arn = properties.get(source)?;
            let mut mapping = vec![entry("EventSourceArn", at, arn.clone()), function_name()];
            if let Some(key) = properties.entry("KmsKeyArn") {
                mapping.push(key.clone());
            }
            Some(derived(
                function,
                name,
                "AWS::Lambda::EventSourceMapping",
                at,
                mapping,
            ))
        }
        // With `SqsSubscription`, the topic sends to a queue the function reads; its
        // `QueueArn` when given (else SAM makes the queue, unencrypted).
        "SNS" => {
            let topic = properties.get("Topic")?;
            let queue = sqs_subscription(&event.value)?;
            Some(derived(
                function,
                name,
                "AWS::SNS::Subscription",
                at,
                vec![
                    entry("TopicArn", at, topic.clone()),
                    entry("Protocol", at, text("sqs", at)),
                    entry("Endpoint", at, queue.clone()),
                ],
            ))
        }
        // A rule whose failed deliveries go to a dead-letter queue.
        "EventBridgeRule" | "Schedule" | "ScheduleV2" | "CloudWatchEvent" => {
            let dead_letter = properties.get("DeadLetterConfig")?.entry("Arn")?;
            let target = map(
                at,
                vec![
                    entry("Arn", at, get_att(function.key.clone(), "Arn", at)),
                    entry("Id", at, text(format!("{}Target", name), at)),
                    entry(
                        "DeadLetterConfig",
                        dead_letter.key_span,
                        map(dead_letter.key_span, vec![dead_letter.clone()]),
                    ),
                ],
            );
            Some(derived(
                function,
                name,
                "AWS::Events::Rule",
                at,
                vec![entry("Targets", at, seq(at, vec![target]))],
            ))
        }
        _ => None,
    }
}

/// `<Function>EventInvokeConfig`: where asynchronous invocations go on success and failure.
fn invoke_config<'a>(function: &Entry<'a>, config: &Entry<'a>) -> Entry<'a> {
    let at = config.key_span;
    let mut destinations = Vec::new();
    for on in ["OnSuccess", "OnFailure"] {
        let Some(destination) = config
            .value
            .get("DestinationConfig")
            .and_then(|d| d.entry(on))
        else {
            continue;
        };
        let Some(target) = destination.value.entry("Destination") else {
            continue;
        };
        destinations.push(Entry {
            key: destination.key.clone(),
            key_span: destination.key_span,
            value: map(destination.value.span, vec![target.clone()]),
        });
    }
    let mut properties = vec![
        entry("FunctionName", at, reference(function.key.clone(), at)),
        entry("Qualifier", at, text("$LATEST", at)),
    ];
    if !destinations.is_empty() {
        properties.push(entry("DestinationConfig", at, map(at, destinations)));
    }
    derived(
        function,
        Cow::Owned(format!("{}EventInvokeConfig", function.key)),
        "AWS::Lambda::EventInvokeConfig",
        at,
        properties,
    )
}
