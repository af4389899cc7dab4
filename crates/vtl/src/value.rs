//! The values templates compute with.
//!
//! API Gateway hands templates Java objects (JSON bodies become ordered maps and lists); `Value`
//! is their stand-in. Maps keep insertion order because clients read the rendered JSON and a
//! reordered object is a visible difference even when it is semantically equal.

use std::collections::HashMap;
use std::fmt::Write as _;

/// An ordered JSON-like value (object keys keep insertion order).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    List(Vec<Value>),
    Map(Map),
}

/// An insertion-ordered string-keyed map.
///
/// Small maps (most JSON objects) are scanned linearly; past [`INDEX_FROM`] entries a side
/// index keeps lookups O(1), since request bodies may carry objects with thousands of keys and
/// every `insert` has to find an existing key to replace it in place.
#[derive(Debug, Clone, Default)]
pub struct Map {
    entries: Vec<(String, Value)>,
    index: Option<HashMap<String, usize>>,
}

const INDEX_FROM: usize = 12;

impl PartialEq for Map {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl Map {
    pub fn new() -> Map {
        Map::default()
    }

    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.entries.iter().position(|(k, _)| k == key),
        }
    }

    fn reindex(&mut self) {
        self.index = (self.entries.len() >= INDEX_FROM).then(|| {
            self.entries
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.clone(), i))
                .collect()
        });
    }

    /// Inserts `value` under `key`; an existing key keeps its position and its old value is
    /// returned (like Java's `LinkedHashMap.put`).
    pub fn insert(&mut self, key: impl Into<String>, value: Value) -> Option<Value> {
        let key = key.into();
        if let Some(at) = self.position(&key) {
            if let Some(slot) = self.entries.get_mut(at) {
                return Some(std::mem::replace(&mut slot.1, value));
            }
        }
        if let Some(index) = &mut self.index {
            index.insert(key.clone(), self.entries.len());
            self.entries.push((key, value));
        } else {
            self.entries.push((key, value));
            if self.entries.len() >= INDEX_FROM {
                self.reindex();
            }
        }
        None
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        let at = self.position(key)?;
        self.entries.get(at).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        let at = self.position(key)?;
        self.entries.get_mut(at).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Removes `key`, keeping the order of the remaining entries.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let at = self.position(key)?;
        if at >= self.entries.len() {
            return None;
        }
        let (_, value) = self.entries.remove(at);
        self.reindex();
        Some(value)
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.index = None;
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&str, &Value)> + ExactSizeIterator {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k.as_str())
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Consumes the map and returns the value under `key`, avoiding a clone of the rest.
    pub(crate) fn take(self, key: &str) -> Option<Value> {
        let at = self.position(key)?;
        self.entries.into_iter().nth(at).map(|(_, v)| v)
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl FromIterator<(String, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Map {
        let mut map = Map::new();
        for (k, v) in iter {
            map.insert(k, v);
        }
        map
    }
}

impl Value {
    /// Parses JSON keeping object key order; `None` if `text` is not valid JSON (or nests deeper
    /// than [`crate::json::MAX_JSON_DEPTH`]).
    pub fn from_json(text: &str) -> Option<Value> {
        crate::json::parse(text)
    }

    /// Compact JSON. Non-finite floats, which JSON cannot express, become `null`.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        crate::json::write(self, &mut out);
        out
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// What Java's `toString()` would print, which is what Velocity writes for a reference.
    pub(crate) fn to_java_string(&self) -> String {
        let mut out = String::new();
        write_java(self, &mut out);
        out
    }
}

fn write_java(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&java_double(*f)),
        Value::String(s) => out.push_str(s),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_java(item, out);
            }
            out.push(']');
        }
        Value::Map(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push('=');
                write_java(v, out);
            }
            out.push('}');
        }
    }
}

/// Formats like Java's `Double.toString`: plain decimals with at least one fractional digit in
/// [1e-3, 1e7), computerized scientific notation (`1.0E10`) outside it.
pub(crate) fn java_double(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.to_string();
    }
    let sign = if f < 0.0 { "-" } else { "" };
    let abs = f.abs();
    // `{:e}` yields the shortest round-tripping digits, e.g. "1.2345e3".
    let sci = format!("{abs:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    if (1e-3..1e7).contains(&abs) {
        let mut s = String::from(sign);
        if exp >= 0 {
            let int_len = (exp as usize) + 1;
            if digits.len() <= int_len {
                s.push_str(&digits);
                s.extend(std::iter::repeat_n('0', int_len - digits.len()));
                s.push_str(".0");
            } else {
                s.push_str(&digits[..int_len]);
                s.push('.');
                s.push_str(&digits[int_len..]);
            }
        } else {
            s.push_str("0.");
            s.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            s.push_str(&digits);
        }
        s
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let rest = if rest.is_empty() { "0" } else { rest };
        format!("{sign}{first}.{rest}E{exp}")
    }
}

impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::String(s),
            serde_json::Value::Array(items) => {
                Value::List(items.into_iter().map(Value::from).collect())
            }
            serde_json::Value::Object(obj) => {
                Value::Map(obj.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
            }
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Value {
        Value::Map(m)
    }
}

/// Whether `value` nests more than `limit` containers deep, charging one unit of `work` per node
/// visited. Deep values would make the recursive drop/format code overflow the stack.
pub(crate) fn deeper_than(value: &Value, limit: usize, work: &mut u64) -> bool {
    *work += 1;
    match value {
        Value::List(items) => {
            if limit == 0 {
                return true;
            }
            items.iter().any(|v| deeper_than(v, limit - 1, work))
        }
        Value::Map(map) => {
            if limit == 0 {
                return true;
            }
            map.values().any(|v| deeper_than(v, limit - 1, work))
        }
        _ => false,
    }
}

/// Nodes in `value`, counting stops once `limit` is reached.
pub(crate) fn count_nodes(value: &Value, limit: u64) -> u64 {
    let mut count = 0u64;
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        count += 1;
        if count >= limit {
            return count;
        }
        match v {
            Value::List(items) => stack.extend(items.iter()),
            Value::Map(map) => stack.extend(map.values()),
            _ => {}
        }
    }
    count
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn java_doubles() {
        assert_eq!(java_double(1.5), "1.5");
        assert_eq!(java_double(2.0), "2.0");
        assert_eq!(java_double(100.0), "100.0");
        assert_eq!(java_double(0.001), "0.001");
        assert_eq!(java_double(0.0001), "1.0E-4");
        assert_eq!(java_double(1e7), "1.0E7");
        assert_eq!(java_double(1234567.0), "1234567.0");
        assert_eq!(java_double(-3.25), "-3.25");
        assert_eq!(java_double(1.2345e20), "1.2345E20");
    }

    #[test]
    fn map_keeps_order_and_replaces_in_place() {
        let mut m = Map::new();
        m.insert("b", Value::Int(1));
        m.insert("a", Value::Int(2));
        assert_eq!(m.insert("b", Value::Int(3)), Some(Value::Int(1)));
        assert_eq!(m.keys().collect::<Vec<_>>(), vec!["b", "a"]);
        assert_eq!(m.remove("b"), Some(Value::Int(3)));
        assert_eq!(m.get("a"), Some(&Value::Int(2)));
        m.insert("c", Value::Null);
        assert_eq!(m.keys().collect::<Vec<_>>(), vec!["a", "c"]);
        assert_eq!(m.clone().take("c"), Some(Value::Null));
    }

    #[test]
    fn large_maps_stay_consistent() {
        let mut m = Map::new();
        for i in 0..100 {
            m.insert(format!("k{i}"), Value::Int(i));
        }
        m.insert("k5", Value::Int(-5));
        assert_eq!(m.remove("k0"), Some(Value::Int(0)));
        assert_eq!(m.get("k5"), Some(&Value::Int(-5)));
        assert_eq!(m.get("k99"), Some(&Value::Int(99)));
        assert_eq!(m.keys().next(), Some("k1"));
        assert_eq!(m.len(), 99);
        for i in 1..95 {
            m.remove(&format!("k{i}"));
        }
        assert_eq!(
            m.keys().collect::<Vec<_>>(),
            vec!["k95", "k96", "k97", "k98", "k99"]
        );
        m.insert("new", Value::Null);
        assert!(m.contains_key("new") && m.contains_key("k97"));
        assert_eq!(m.clone().take("k99"), Some(Value::Int(99)));
    }
}
