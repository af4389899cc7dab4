//! Update* operations take JSON-Patch-like `patchOperations` (`replace /description`, `add
//! /binaryMediaTypes/image~1png`, `replace /variables/stage`). They are applied to the record's
//! JSON form, so one implementation serves every resource.

use serde::{de::DeserializeOwned, Serialize};
use serde_json::{Map, Value};

use super::{bad_request, Result};
use crate::generated::apigateway::PatchOperation;

/// `/a/b~1c` → `["a", "b/c"]`.
pub fn segments(path: &str) -> Vec<String> {
    path.trim_start_matches('/')
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

fn invalid(op: &PatchOperation) -> nimbus_protocol::AwsError {
    bad_request(format!(
        "Invalid patch path '{}' specified for op '{}'. Please choose supported operations",
        op.path.as_deref().unwrap_or_default(),
        op.op.as_deref().unwrap_or_default()
    ))
}

/// Applies `ops` to `target`. A value is taken as a string, or as JSON (a number, a boolean)
/// where the member is not a string. Paths outside the shape are a BadRequestException.
pub fn apply<T: Serialize + DeserializeOwned>(target: &T, ops: &[PatchOperation]) -> Result<T> {
    let mut doc = serde_json::to_value(target).unwrap_or(Value::Null);
    for op in ops {
        let segs = segments(op.path.as_deref().unwrap_or_default());
        let kind = op.op.as_deref().unwrap_or_default();
        let mut candidates = vec![op.value.clone().map(Value::String)];
        if let Some(v) = op
            .value
            .as_deref()
            .and_then(|v| serde_json::from_str(v).ok())
        {
            candidates.push(Some(v));
        }
        let mut applied = None;
        for value in candidates {
            let mut next = doc.clone();
            if !edit(&mut next, &segs, kind, value) {
                continue;
            }
            if serde_json::from_value::<T>(next.clone()).is_ok() {
                applied = Some(next);
                break;
            }
        }
        doc = applied.ok_or_else(|| invalid(op))?;
    }
    serde_json::from_value(doc).map_err(|e| bad_request(format!("Invalid patch value: {e}")))
}

fn edit(doc: &mut Value, segs: &[String], op: &str, value: Option<Value>) -> bool {
    let Some((last, parents)) = segs.split_last() else {
        return false;
    };
    if last.is_empty() {
        return false;
    }
    let mut node = doc;
    for (i, s) in parents.iter().enumerate() {
        let Value::Object(map) = node else {
            return false;
        };
        // `add /binaryMediaTypes/x` with no list yet starts one.
        let fresh = || {
            if i + 1 == parents.len() && op == "add" && value.is_none() {
                Value::Array(Vec::new())
            } else {
                Value::Object(Map::new())
            }
        };
        node = map.entry(s.clone()).or_insert_with(fresh);
        if node.is_null() {
            *node = fresh();
        }
    }
    match (node, op) {
        // `add /binaryMediaTypes/image~1png`: the last segment is the element.
        (Value::Array(list), "add") => {
            let element = Value::String(last.clone());
            if !list.contains(&element) {
                list.push(element);
            }
            true
        }
        (Value::Array(list), "remove") => {
            list.retain(|v| v.as_str() != Some(last));
            true
        }
        (Value::Object(map), "add" | "replace") => {
            match (map.get(last), value) {
                (Some(Value::Array(_)), Some(Value::String(v))) if op == "add" => {
                    if let Some(Value::Array(list)) = map.get_mut(last) {
                        list.push(Value::String(v));
                    }
                }
                (_, Some(v)) => {
                    map.insert(last.clone(), v);
                }
                (_, None) => return false,
            }
            true
        }
        (Value::Object(map), "remove") => {
            map.remove(last);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::apigateway::{RestApi, Stage};

    fn op(op: &str, path: &str, value: Option<&str>) -> PatchOperation {
        PatchOperation {
            op: Some(op.into()),
            path: Some(path.into()),
            value: value.map(str::to_string),
            from: None,
        }
    }

    #[test]
    fn patches_strings_numbers_lists_and_maps() {
        let api = RestApi {
            name: Some("a".into()),
            ..RestApi::default()
        };
        let api = apply(
            &api,
            &[
                op("replace", "/description", Some("d")),
                op("replace", "/minimumCompressionSize", Some("1024")),
                op("add", "/binaryMediaTypes/image~1png", None),
            ],
        )
        .expect("patched");
        assert_eq!(api.description.as_deref(), Some("d"));
        assert_eq!(api.minimum_compression_size, Some(1024));
        assert_eq!(api.binary_media_types, Some(vec!["image/png".to_string()]));
        let stage = apply(
            &Stage::default(),
            &[op("replace", "/variables/env", Some("dev"))],
        )
        .expect("patched");
        assert_eq!(
            stage
                .variables
                .and_then(|v| v.get("env").cloned())
                .as_deref(),
            Some("dev")
        );
        assert!(apply(&api, &[op("replace", "/name/x/y", Some("1"))]).is_err());
    }
}
