//! Stack parameter values from a file (`--parameters-file`, and a stack's `parameters-file` in
//! `[[stacks]]`): the JSON forms the AWS CLI and CodePipeline read.

use std::collections::HashMap;
use std::path::Path;

use crate::lookup;

use super::ConfigError;
use super::file::read_config_text;

/// The forms `aws cloudformation` and CodePipeline read parameter values in:
/// `[{"ParameterKey": "K", "ParameterValue": "V"}]` (`create-stack --parameters`; an item with
/// `UsePreviousValue` and no value gives none), `["K=V"]` (`deploy --parameter-overrides`),
/// `{"Parameters": {"K": "V"}, "Tags": …, "StackPolicy": …}` (a CodePipeline template
/// configuration file, which `deploy --parameter-overrides` reads too), or `{"K": "V"}`.
pub fn read_parameters_file(path: &Path) -> Result<HashMap<String, String>, ConfigError> {
    let origin = path.display().to_string();
    let fail = |message: String| ConfigError {
        origin: origin.clone(),
        key: None,
        message,
    };
    let text = read_config_text(path).map_err(|e| fail(e.to_string()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| fail(format!("not valid JSON: {e}")))?;
    let as_string = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    const PIPELINE_KEYS: [&str; 3] = ["Parameters", "Tags", "StackPolicy"];
    match value {
        serde_json::Value::Object(map)
            if map.get("Parameters").is_some_and(|p| p.is_object())
                && map.keys().all(|k| PIPELINE_KEYS.contains(&k.as_str())) =>
        {
            Ok(map["Parameters"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), as_string(v)))
                .collect())
        }
        serde_json::Value::Object(map) => {
            Ok(map.iter().map(|(k, v)| (k.clone(), as_string(v))).collect())
        }
        serde_json::Value::Array(items) => {
            let mut parameters = HashMap::new();
            for item in &items {
                if let Some(pair) = item.as_str() {
                    let (k, v) = pair
                        .split_once('=')
                        .filter(|(k, _)| !k.is_empty())
                        .ok_or_else(|| {
                            fail(format!("`{}` is not KEY=VALUE", lookup::abbreviate(pair)))
                        })?;
                    parameters.insert(k.to_owned(), v.to_owned());
                    continue;
                }
                let key = item.get("ParameterKey").and_then(|k| k.as_str());
                let previous = item
                    .get("UsePreviousValue")
                    .is_some_and(|v| v.as_bool() == Some(true));
                match (key, item.get("ParameterValue")) {
                    (Some(k), Some(v)) => {
                        parameters.insert(k.to_owned(), as_string(v));
                    }
                    (Some(_), None) if previous => {}
                    _ => {
                        return Err(fail(
                            "each item needs `ParameterKey` and `ParameterValue`, or is a \"KEY=VALUE\" string"
                                .to_owned(),
                        ));
                    }
                }
            }
            Ok(parameters)
        }
        _ => Err(fail(
            "expected [{\"ParameterKey\": …, \"ParameterValue\": …}], [\"KEY=VALUE\"], {\"Parameters\": {…}} or a JSON object".to_owned(),
        )),
    }
}
