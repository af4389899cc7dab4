//! Rule conditions, checked and normalized: every condition carries its `*Config` form, and a
//! `host-header` or `path-pattern` condition given in the legacy `Values` form keeps those
//! `Values` too (AWS echoes both).

use std::net::IpAddr;

use nimbus_protocol::query;

use super::unsupported;
use crate::generated::elbv2::*;
use crate::storage::Result;

const FIELDS: &str =
    "[http-header, http-request-method, host-header, path-pattern, query-string, source-ip]";
/// Fields a rule may test once only.
const SINGLE: [&str; 4] = [
    "path-pattern",
    "host-header",
    "http-request-method",
    "source-ip",
];
const MAX_VALUE_LENGTH: usize = 128;
/// Comparison strings (values, key/value pairs, CIDRs) per condition and per rule.
const MAX_PER_CONDITION: usize = 3;
const MAX_PER_RULE: usize = 5;

fn invalid(message: String) -> nimbus_protocol::AwsError {
    query::validation(message)
}

pub fn normalize(conditions: &[RuleCondition]) -> Result<Vec<RuleCondition>> {
    if conditions.is_empty() {
        return Err(invalid("A rule must have at least one condition".into()));
    }
    let mut out: Vec<RuleCondition> = Vec::with_capacity(conditions.len());
    for c in conditions {
        let field = c
            .field
            .clone()
            .ok_or_else(|| invalid("A condition must have a field".into()))?;
        if SINGLE.contains(&field.as_str())
            && out.iter().any(|o| o.field.as_deref() == Some(&field))
        {
            return Err(invalid(format!(
                "A rule can have only one '{field}' condition"
            )));
        }
        let normalized = normalize_one(c, &field)?;
        if value_count(&normalized) > MAX_PER_CONDITION {
            return Err(invalid(format!(
                "A condition can only have '{MAX_PER_CONDITION}' values"
            )));
        }
        out.push(normalized);
    }
    if out.iter().map(value_count).sum::<usize>() > MAX_PER_RULE {
        return Err(invalid(format!(
            "A rule can only have '{MAX_PER_RULE}' condition values"
        )));
    }
    Ok(out)
}

/// The comparison strings of a normalized condition.
fn value_count(c: &RuleCondition) -> usize {
    let len = |v: &Option<Vec<String>>| v.as_ref().map_or(0, Vec::len);
    len(&c.host_header_config.as_ref().and_then(|h| h.values.clone()))
        + len(&c
            .path_pattern_config
            .as_ref()
            .and_then(|h| h.values.clone()))
        + len(&c.http_header_config.as_ref().and_then(|h| h.values.clone()))
        + len(&c
            .http_request_method_config
            .as_ref()
            .and_then(|h| h.values.clone()))
        + len(&c.source_ip_config.as_ref().and_then(|h| h.values.clone()))
        + c.query_string_config
            .as_ref()
            .and_then(|q| q.values.as_ref())
            .map_or(0, Vec::len)
}

/// The configs a condition carries besides the one its field names.
fn other_configs(c: &RuleCondition, field: &str) -> bool {
    let present = [
        ("host-header", c.host_header_config.is_some()),
        ("path-pattern", c.path_pattern_config.is_some()),
        ("http-header", c.http_header_config.is_some()),
        (
            "http-request-method",
            c.http_request_method_config.is_some(),
        ),
        ("query-string", c.query_string_config.is_some()),
        ("source-ip", c.source_ip_config.is_some()),
    ];
    present.iter().any(|(f, p)| *p && *f != field)
}

fn check_values(field: &str, values: &[String]) -> Result<()> {
    if values.is_empty() {
        return Err(invalid(format!(
            "A '{field}' condition must have at least one value"
        )));
    }
    if let Some(v) = values
        .iter()
        .find(|v| v.chars().count() > MAX_VALUE_LENGTH || v.is_empty())
    {
        return Err(invalid(format!(
            "The value '{v}' of a '{field}' condition must be 1 to {MAX_VALUE_LENGTH} characters long"
        )));
    }
    Ok(())
}

fn unknown_field(field: &str) -> nimbus_protocol::AwsError {
    invalid(format!(
        "Condition field '{field}' must be one of '{FIELDS}'"
    ))
}

fn normalize_one(c: &RuleCondition, field: &str) -> Result<RuleCondition> {
    let known = [
        "http-header",
        "http-request-method",
        "host-header",
        "path-pattern",
        "query-string",
        "source-ip",
    ];
    if !known.contains(&field) {
        return Err(unknown_field(field));
    }
    if other_configs(c, field) {
        return Err(invalid(format!(
            "A '{field}' condition can only have the configuration of its own field"
        )));
    }
    if c.regex_values.is_some() {
        return Err(unsupported("regular-expression conditions (RegexValues)"));
    }
    let legacy = c.values.clone();
    if legacy.is_some() && !matches!(field, "host-header" | "path-pattern") {
        return Err(invalid(format!(
            "Values can only be specified for 'host-header' and 'path-pattern' conditions; use the '{field}' condition's configuration"
        )));
    }
    let mut out = RuleCondition {
        field: Some(field.to_string()),
        ..RuleCondition::default()
    };
    match field {
        "host-header" | "path-pattern" => {
            let (config_values, regex) = if field == "host-header" {
                let c = c.host_header_config.as_ref();
                (
                    c.and_then(|h| h.values.clone()),
                    c.is_some_and(|h| h.regex_values.is_some()),
                )
            } else {
                let c = c.path_pattern_config.as_ref();
                (
                    c.and_then(|p| p.values.clone()),
                    c.is_some_and(|p| p.regex_values.is_some()),
                )
            };
            if regex {
                return Err(unsupported("regular-expression conditions (RegexValues)"));
            }
            let values = match (&legacy, config_values) {
                (Some(_), Some(_)) => {
                    return Err(invalid(format!(
                        "A '{field}' condition can have Values or its configuration, not both"
                    )))
                }
                (Some(l), None) => {
                    if l.len() > 1 {
                        return Err(invalid(format!(
                            "A '{field}' condition can have only one value in Values; use its configuration for more"
                        )));
                    }
                    l.clone()
                }
                (None, Some(v)) => v,
                (None, None) => Vec::new(),
            };
            check_values(field, &values)?;
            out.values = legacy;
            if field == "host-header" {
                out.host_header_config = Some(HostHeaderConditionConfig {
                    values: Some(values),
                    regex_values: None,
                });
            } else {
                out.path_pattern_config = Some(PathPatternConditionConfig {
                    values: Some(values),
                    regex_values: None,
                });
            }
        }
        "http-header" => {
            let config = c.http_header_config.clone().unwrap_or_default();
            if config.regex_values.is_some() {
                return Err(unsupported("regular-expression conditions (RegexValues)"));
            }
            let name = config.http_header_name.clone().unwrap_or_default();
            if name.is_empty()
                || name.len() > 40
                || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
            {
                return Err(invalid(format!(
                    "The HTTP header name '{name}' is not valid"
                )));
            }
            check_values(field, config.values.as_deref().unwrap_or_default())?;
            out.http_header_config = Some(config);
        }
        "http-request-method" => {
            let config = c.http_request_method_config.clone().unwrap_or_default();
            let values = config.values.clone().unwrap_or_default();
            check_values(field, &values)?;
            if let Some(m) = values.iter().find(|m| {
                m.len() > 40
                    || !m
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b == b'_' || b == b'-')
            }) {
                return Err(invalid(format!(
                    "The HTTP request method '{m}' is not valid: use up to 40 upper-case letters, '_' and '-'"
                )));
            }
            out.http_request_method_config = Some(config);
        }
        "query-string" => {
            let config = c.query_string_config.clone().unwrap_or_default();
            let pairs = config.values.clone().unwrap_or_default();
            if pairs.is_empty() {
                return Err(invalid(format!(
                    "A '{field}' condition must have at least one value"
                )));
            }
            if pairs
                .iter()
                .any(|p| p.value.as_deref().unwrap_or_default().is_empty())
            {
                return Err(invalid(
                    "Every key/value pair of a 'query-string' condition must have a value".into(),
                ));
            }
            out.query_string_config = Some(config);
        }
        "source-ip" => {
            let config = c.source_ip_config.clone().unwrap_or_default();
            let values = config.values.clone().unwrap_or_default();
            check_values(field, &values)?;
            if let Some(v) = values.iter().find(|v| !is_cidr(v)) {
                return Err(invalid(format!(
                    "The value '{v}' of a 'source-ip' condition is not a valid CIDR block"
                )));
            }
            out.source_ip_config = Some(config);
        }
        other => return Err(unknown_field(other)),
    }
    Ok(out)
}

/// `10.0.0.0/8`, `2001:db8::/32`: an address and a prefix length that fits it.
fn is_cidr(text: &str) -> bool {
    let Some((addr, bits)) = text.split_once('/') else {
        return false;
    };
    let Ok(bits) = bits.parse::<u8>() else {
        return false;
    };
    match addr.parse::<IpAddr>() {
        Ok(IpAddr::V4(_)) => bits <= 32,
        Ok(IpAddr::V6(_)) => bits <= 128,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_values_gain_their_config() {
        let c = RuleCondition {
            field: Some("path-pattern".into()),
            values: Some(vec!["/api/*".into()]),
            ..RuleCondition::default()
        };
        let n = normalize(&[c]).expect("valid");
        assert_eq!(n[0].values.as_deref(), Some(&["/api/*".to_string()][..]));
        assert_eq!(
            n[0].path_pattern_config
                .as_ref()
                .and_then(|p| p.values.clone()),
            Some(vec!["/api/*".to_string()])
        );
        assert!(
            is_cidr("10.0.0.0/8") && is_cidr("::/0") && !is_cidr("10.0.0.0/33") && !is_cidr("x/1")
        );
    }
}
