//! The awsJson1_0 / awsJson1_1 codec: a JSON object per request and per response.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::AwsError;

/// Custom deserializers (e.g. DynamoDB's attribute values) start an error message with this
/// marker to have it answered as a ValidationException rather than a SerializationException.
pub const VALIDATION_MARKER: &str = "\u{1}validation:";

/// Decodes a request body into an operation's input.
///
/// A missing required member becomes the ValidationException AWS
/// sends for it; any other mismatch is a SerializationException.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, AwsError> {
    serde_json::from_slice(body).map_err(|e| {
        let text = e.to_string();
        if let Some(field) = missing_field(&text) {
            let mut path = field.to_string();
            if let Some(first) = path.get(0..1) {
                path.replace_range(0..1, &first.to_lowercase());
            }
            return AwsError::validation(format!(
                "1 validation error detected: Value null at '{path}' failed to satisfy constraint: Member must not be null"
            ));
        }
        if let Some(i) = text.find(VALIDATION_MARKER) {
            return AwsError::validation(strip_position(&text[i + VALIDATION_MARKER.len()..]));
        }
        if e.is_syntax() || e.is_eof() {
            AwsError::serialization("Start of structure or map found where not expected")
        } else {
            AwsError::serialization(coral_message(&text))
        }
    })
}

/// Rewrites serde's type-mismatch messages in the words AWS's JSON services use
/// (`STRING_VALUE cannot be converted to Integer`, `Start of list found where not expected`).
fn coral_message(text: &str) -> String {
    let Some(rest) = text.strip_prefix("invalid type: ") else {
        return strip_position(text);
    };
    let found = if rest.starts_with("string") {
        "STRING_VALUE"
    } else if rest.starts_with("integer") || rest.starts_with("floating point") {
        "NUMBER_VALUE"
    } else if rest.starts_with("boolean `true`") {
        "TRUE_VALUE"
    } else if rest.starts_with("boolean") {
        "FALSE_VALUE"
    } else if rest.starts_with("map") {
        return "Start of structure or map found where not expected".into();
    } else if rest.starts_with("sequence") {
        return "Start of list found where not expected".into();
    } else {
        return strip_position(text);
    };
    let expected = match rest.split(", expected ").nth(1).map(strip_position) {
        Some(e) if e.starts_with("i32") => "Integer",
        Some(e) if e.starts_with("i64") => "Long",
        Some(e) if e.starts_with("f64") || e.starts_with("f32") => "Double",
        Some(e) if e.starts_with("a boolean") => "Boolean",
        Some(e) if e.starts_with("a string") || e.starts_with("a borrowed string") => "String",
        Some(e) if e.starts_with("a sequence") => return "Expected list or null".into(),
        _ => return "Expected map or null".into(),
    };
    format!("{found} cannot be converted to {expected}")
}

/// Encodes an operation's output.
pub fn encode<T: Serialize>(output: &T) -> Result<Vec<u8>, AwsError> {
    serde_json::to_vec(output).map_err(|e| {
        AwsError::new(
            500,
            "",
            "InternalFailure",
            format!("encoding the response failed: {e}"),
        )
    })
}

/// `value` as another shape with the same wire members (a stored record as an operation's
/// output, say), through its JSON form.
pub fn reshape<T: DeserializeOwned>(value: &impl Serialize) -> Result<T, AwsError> {
    serde_json::to_value(value)
        .and_then(serde_json::from_value)
        .map_err(|e| {
            AwsError::new(
                500,
                "",
                "InternalFailure",
                format!("a stored record does not fit its output shape: {e}"),
            )
        })
}

fn missing_field(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("missing field `")?;
    rest.split('`').next()
}

/// serde's messages end with "at line 1 column 23"; AWS's do not.
fn strip_position(text: &str) -> String {
    match text.find(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Input {
        #[serde(rename = "TableName")]
        _table_name: String,
    }

    #[test]
    fn missing_required_member_is_a_validation_error() {
        let e = decode::<Input>(b"{}").expect_err("missing");
        assert_eq!(e.code, "ValidationException");
        assert!(
            e.message.contains("Value null at 'tableName'"),
            "{}",
            e.message
        );
    }

    #[test]
    fn malformed_json_is_a_serialization_error() {
        let e = decode::<Input>(b"{\"TableName\":").expect_err("truncated");
        assert_eq!(e.code, "SerializationException");
        let e = decode::<Input>(b"{\"TableName\":5}").expect_err("wrong type");
        assert_eq!(e.code, "SerializationException");
    }
}
