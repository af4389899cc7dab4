//! Attribute values: DynamoDB's ten data types, with its wire form and its input rules.

use std::collections::BTreeMap;
use std::fmt;

use nimbus_protocol::blob::{decode_base64, encode_base64};
use nimbus_protocol::json::VALIDATION_MARKER;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::number::{Number, NumberError};

/// An item: attribute names to values.
pub type Item = BTreeMap<String, AttributeValue>;

/// One DynamoDB value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum AttributeValue {
    S(String),
    N(Number),
    B(Vec<u8>),
    SS(Vec<String>),
    NS(Vec<Number>),
    BS(Vec<Vec<u8>>),
    M(Item),
    L(Vec<AttributeValue>),
    #[default]
    Null,
    Bool(bool),
}

impl AttributeValue {
    /// The type's wire name: `S`, `N`, `B`, `SS`, `NS`, `BS`, `M`, `L`, `NULL`, `BOOL`.
    pub fn type_name(&self) -> &'static str {
        match self {
            AttributeValue::S(_) => "S",
            AttributeValue::N(_) => "N",
            AttributeValue::B(_) => "B",
            AttributeValue::SS(_) => "SS",
            AttributeValue::NS(_) => "NS",
            AttributeValue::BS(_) => "BS",
            AttributeValue::M(_) => "M",
            AttributeValue::L(_) => "L",
            AttributeValue::Null => "NULL",
            AttributeValue::Bool(_) => "BOOL",
        }
    }

    /// Bytes DynamoDB counts for this value toward the 400 KB item limit.
    pub fn size(&self) -> usize {
        match self {
            AttributeValue::S(s) => s.len(),
            AttributeValue::N(n) => n.size(),
            AttributeValue::B(b) => b.len(),
            AttributeValue::SS(v) => v.iter().map(String::len).sum(),
            AttributeValue::NS(v) => v.iter().map(Number::size).sum(),
            AttributeValue::BS(v) => v.iter().map(Vec::len).sum(),
            AttributeValue::M(m) => {
                3 + m.iter().map(|(k, v)| k.len() + v.size() + 1).sum::<usize>()
            }
            AttributeValue::L(l) => 3 + l.iter().map(|v| v.size() + 1).sum::<usize>(),
            AttributeValue::Null | AttributeValue::Bool(_) => 1,
        }
    }
}

/// Bytes DynamoDB counts for an item: names plus values.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + v.size()).sum()
}

impl Serialize for AttributeValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        match self {
            AttributeValue::S(v) => map.serialize_entry("S", v)?,
            AttributeValue::N(n) => map.serialize_entry("N", &n.to_string())?,
            AttributeValue::B(b) => map.serialize_entry("B", &encode_base64(b))?,
            AttributeValue::SS(v) => map.serialize_entry("SS", v)?,
            AttributeValue::NS(v) => {
                let texts: Vec<String> = v.iter().map(Number::to_string).collect();
                map.serialize_entry("NS", &texts)?
            }
            AttributeValue::BS(v) => {
                let texts: Vec<String> = v.iter().map(|b| encode_base64(b)).collect();
                map.serialize_entry("BS", &texts)?
            }
            AttributeValue::M(m) => map.serialize_entry("M", m)?,
            AttributeValue::L(l) => map.serialize_entry("L", l)?,
            AttributeValue::Null => map.serialize_entry("NULL", &true)?,
            AttributeValue::Bool(b) => map.serialize_entry("BOOL", b)?,
        }
        map.end()
    }
}

/// A DynamoDB input rule broken: answered as a ValidationException, not a serialization error.
fn invalid<E: de::Error>(message: impl fmt::Display) -> E {
    E::custom(format!("{VALIDATION_MARKER}{message}"))
}

fn parse_number<E: de::Error>(text: &str) -> Result<Number, E> {
    Number::parse(text).map_err(|e| match e {
        // AWS names the offending text in this one.
        NumberError::NotANumber => invalid(format!("{}: {text}", e.message())),
        _ => invalid(e.message()),
    })
}

fn parse_binary<E: de::Error>(text: &str) -> Result<Vec<u8>, E> {
    decode_base64(text).map_err(E::custom)
}

fn no_duplicates<T: PartialEq, E: de::Error>(
    items: &[T],
    show: impl Fn(&T) -> String,
) -> Result<(), E> {
    for (i, a) in items.iter().enumerate() {
        if items[..i].contains(a) {
            let listing: Vec<String> = items.iter().map(show).collect();
            return Err(invalid(format!(
                "One or more parameter values were invalid: Input collection [{}] contains duplicates.",
                listing.join(", ")
            )));
        }
    }
    Ok(())
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = AttributeValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an AttributeValue object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AttributeValue, A::Error> {
        let mut found: Option<AttributeValue> = None;
        let mut count = 0;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let value = match key.as_ref() {
                "S" => AttributeValue::S(map.next_value()?),
                "N" => {
                    let text: std::borrow::Cow<'de, str> = map.next_value()?;
                    AttributeValue::N(parse_number(&text)?)
                }
                "B" => {
                    let text: std::borrow::Cow<'de, str> = map.next_value()?;
                    AttributeValue::B(parse_binary(&text)?)
                }
                "SS" => {
                    let v: Vec<String> = map.next_value()?;
                    if v.is_empty() {
                        return Err(invalid(
                            "One or more parameter values were invalid: An string set  may not be empty",
                        ));
                    }
                    no_duplicates(&v, |s| s.clone())?;
                    AttributeValue::SS(v)
                }
                "NS" => {
                    let texts: Vec<String> = map.next_value()?;
                    if texts.is_empty() {
                        return Err(invalid(
                            "One or more parameter values were invalid: An number set  may not be empty",
                        ));
                    }
                    let v = texts
                        .iter()
                        .map(|t| parse_number(t))
                        .collect::<Result<Vec<_>, _>>()?;
                    no_duplicates(&v, |n| n.to_string())?;
                    AttributeValue::NS(v)
                }
                "BS" => {
                    let texts: Vec<String> = map.next_value()?;
                    if texts.is_empty() {
                        return Err(invalid(
                            "One or more parameter values were invalid: Binary sets should not be empty",
                        ));
                    }
                    let v = texts
                        .iter()
                        .map(|t| parse_binary(t))
                        .collect::<Result<Vec<_>, _>>()?;
                    no_duplicates(&v, |b| encode_base64(b))?;
                    AttributeValue::BS(v)
                }
                "M" => AttributeValue::M(map.next_value()?),
                "L" => AttributeValue::L(map.next_value()?),
                "NULL" => {
                    if !map.next_value::<bool>()? {
                        return Err(invalid(
                            "One or more parameter values were invalid: Null attribute value types must have the value of true",
                        ));
                    }
                    AttributeValue::Null
                }
                "BOOL" => AttributeValue::Bool(map.next_value()?),
                _ => {
                    // Unknown members are ignored, as AWS ignores them.
                    map.next_value::<de::IgnoredAny>()?;
                    continue;
                }
            };
            count += 1;
            found = Some(value);
        }
        match (count, found) {
            (1, Some(v)) => Ok(v),
            (0, _) | (_, None) => Err(invalid(
                "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
            )),
            _ => Err(invalid(
                "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
            )),
        }
    }
}

impl<'de> Deserialize<'de> for AttributeValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ValueVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<AttributeValue, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn round_trips_every_type() {
        let json = r#"{"M":{"b":{"B":"AAEC"},"bool":{"BOOL":true},"bs":{"BS":["AA==","AQ=="]},"l":{"L":[{"S":"x"},{"NULL":true}]},"n":{"N":"1.50"},"ns":{"NS":["1","2"]},"s":{"S":"hé"},"ss":{"SS":["a","b"]}}}"#;
        let v = parse(json).expect("parses");
        let out = serde_json::to_string(&v).expect("serializes");
        assert_eq!(out, json.replace("1.50", "1.5"));
    }

    #[test]
    fn refuses_what_dynamodb_refuses() {
        for (json, msg) in [
            ("{}", "Supplied AttributeValue is empty"),
            (r#"{"S":"a","N":"1"}"#, "more than one datatypes"),
            (
                r#"{"N":"x"}"#,
                "The parameter cannot be converted to a numeric value: x",
            ),
            (r#"{"SS":[]}"#, "An string set  may not be empty"),
            (r#"{"NS":["1","1.0"]}"#, "contains duplicates"),
            (
                r#"{"NULL":false}"#,
                "Null attribute value types must have the value of true",
            ),
        ] {
            let e = parse(json).expect_err(json);
            assert!(
                e.contains(VALIDATION_MARKER) && e.contains(msg),
                "{json}: {e}"
            );
        }
    }
}
