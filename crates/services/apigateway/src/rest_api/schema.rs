//! Request-body validation against REST API models: JSON Schema draft 4, the subset API Gateway
//! supports (types, enum, object/array/string/number constraints, allOf/anyOf/oneOf/not, `$ref`).
//! `format` and annotation keywords are ignored, as are keywords this validator does not know.

use regex_lite::Regex;
use serde_json::{Map, Number, Value};

/// How deep schemas may nest, `$ref`s included, before validation gives up (stops `$ref` cycles).
const MAX_DEPTH: usize = 64;

/// The schema cannot be applied (unresolvable `$ref`, bad pattern, too deep...). It is an error
/// rather than `false` so that a surrounding `not` cannot turn it into a pass.
struct Broken;

type Res = Result<bool, Broken>;
type Sub<'a> = &'a dyn Fn(&Value, &Value) -> Res;

/// Whether `instance` satisfies `schema` (JSON Schema draft 4). `resolve` turns a `$ref` string
/// (API Gateway writes `https://apigateway.amazonaws.com/restapis/<api>/models/<Name>`, or a local `#/definitions/X`)
/// into the schema it names, or None when it names nothing (then the instance fails).
pub fn validate(schema: &Value, instance: &Value, resolve: &dyn Fn(&str) -> Option<Value>) -> bool {
    matches!(check(schema, schema, instance, resolve, 0), Ok(true))
}

fn check(
    schema: &Value,
    root: &Value,
    inst: &Value,
    resolve: &dyn Fn(&str) -> Option<Value>,
    depth: usize,
) -> Res {
    if depth > MAX_DEPTH {
        return Err(Broken);
    }
    let s = match schema {
        Value::Object(s) => s,
        Value::Bool(b) => return Ok(*b),
        _ => return Err(Broken),
    };
    // Draft 4: `$ref` replaces every sibling keyword.
    if let Some(r) = s.get("$ref") {
        let r = r.as_str().ok_or(Broken)?;
        // `<doc>#<pointer>`: an empty <doc> is this document; others come from `resolve` and
        // become the root for their own local refs.
        let (base, pointer) = r.split_once('#').unwrap_or((r, ""));
        let fetched;
        let doc = if base.is_empty() {
            root
        } else {
            fetched = resolve(base).ok_or(Broken)?;
            &fetched
        };
        let target = doc.pointer(pointer).ok_or(Broken)?;
        return check(target, doc, inst, resolve, depth + 1);
    }
    let sub = |sch: &Value, v: &Value| check(sch, root, v, resolve, depth + 1);

    let ok = match s.get("type") {
        Some(Value::String(t)) => is_type(t, inst),
        Some(Value::Array(ts)) => ts
            .iter()
            .any(|t| t.as_str().is_some_and(|t| is_type(t, inst))),
        _ => true,
    };
    if !ok {
        return Ok(false);
    }
    if let Some(Value::Array(options)) = s.get("enum") {
        if !options.iter().any(|o| same(o, inst)) {
            return Ok(false);
        }
    }
    if let Some(Value::Array(all)) = s.get("allOf") {
        if count(all, inst, &sub, usize::MAX)? != all.len() {
            return Ok(false);
        }
    }
    if let Some(Value::Array(any)) = s.get("anyOf") {
        if count(any, inst, &sub, 1)? == 0 {
            return Ok(false);
        }
    }
    if let Some(Value::Array(one)) = s.get("oneOf") {
        if count(one, inst, &sub, 2)? != 1 {
            return Ok(false);
        }
    }
    if let Some(not) = s.get("not") {
        if sub(not, inst)? {
            return Ok(false);
        }
    }
    match inst {
        Value::Object(obj) => check_object(s, obj, &sub),
        Value::Array(arr) => check_array(s, arr, &sub),
        Value::String(text) => check_string(s, text),
        Value::Number(n) => check_number(s, n),
        _ => Ok(true),
    }
}

/// How many of `schemas` accept `inst`, stopping once `limit` do.
fn count(schemas: &[Value], inst: &Value, sub: Sub, limit: usize) -> Result<usize, Broken> {
    let mut n = 0;
    for s in schemas {
        if sub(s, inst)? {
            n += 1;
            if n == limit {
                break;
            }
        }
    }
    Ok(n)
}

fn is_type(name: &str, v: &Value) -> bool {
    match (name, v) {
        ("null", Value::Null)
        | ("boolean", Value::Bool(_))
        | ("object", Value::Object(_))
        | ("array", Value::Array(_))
        | ("string", Value::String(_))
        | ("number", Value::Number(_)) => true,
        // Draft 4 leaves 1.0 ambiguous; later drafts (and API Gateway) accept it as an integer.
        ("integer", Value::Number(n)) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}

/// JSON equality, where numbers compare by value (`1 == 1.0`), unlike `Value`'s `==`.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(x), Some(y), _, _) => x == y,
                (_, _, Some(x), Some(y)) => x == y,
                _ => x.as_f64().zip(y.as_f64()).is_some_and(|(x, y)| x == y),
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// `len` against optional `min*`/`max*` bounds; malformed bounds are ignored.
fn within(len: usize, min: Option<&Value>, max: Option<&Value>) -> bool {
    let len = len as u64;
    min.and_then(Value::as_u64).is_none_or(|m| len >= m)
        && max.and_then(Value::as_u64).is_none_or(|m| len <= m)
}

fn regex(pattern: &str) -> Result<Regex, Broken> {
    Regex::new(pattern).map_err(|_| Broken)
}

fn check_object(s: &Map<String, Value>, obj: &Map<String, Value>, sub: Sub) -> Res {
    if let Some(Value::Array(required)) = s.get("required") {
        if required
            .iter()
            .any(|k| k.as_str().is_some_and(|k| !obj.contains_key(k)))
        {
            return Ok(false);
        }
    }
    if !within(obj.len(), s.get("minProperties"), s.get("maxProperties")) {
        return Ok(false);
    }
    let props = s.get("properties").and_then(Value::as_object);
    let patterns = match s.get("patternProperties").and_then(Value::as_object) {
        Some(p) => p
            .iter()
            .map(|(pat, sch)| Ok((regex(pat)?, sch)))
            .collect::<Result<Vec<_>, Broken>>()?,
        None => Vec::new(),
    };
    for (key, value) in obj {
        // A member is "additional" only when neither `properties` nor a pattern covers it.
        let mut covered = false;
        if let Some(sch) = props.and_then(|p| p.get(key)) {
            covered = true;
            if !sub(sch, value)? {
                return Ok(false);
            }
        }
        for (re, sch) in &patterns {
            if re.is_match(key) {
                covered = true;
                if !sub(sch, value)? {
                    return Ok(false);
                }
            }
        }
        // `additionalProperties: false` reaches `check` as the schema `false`.
        if let (false, Some(extra)) = (covered, s.get("additionalProperties")) {
            if !sub(extra, value)? {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

fn check_array(s: &Map<String, Value>, arr: &[Value], sub: Sub) -> Res {
    if !within(arr.len(), s.get("minItems"), s.get("maxItems")) {
        return Ok(false);
    }
    if s.get("uniqueItems") == Some(&Value::Bool(true)) {
        for (i, a) in arr.iter().enumerate() {
            if arr.iter().skip(i + 1).any(|b| same(a, b)) {
                return Ok(false);
            }
        }
    }
    match s.get("items") {
        // A tuple: positional schemas, then `additionalItems` (absent: anything) for the rest.
        Some(Value::Array(tuple)) => {
            for (i, v) in arr.iter().enumerate() {
                let Some(sch) = tuple.get(i).or_else(|| s.get("additionalItems")) else {
                    break;
                };
                if !sub(sch, v)? {
                    return Ok(false);
                }
            }
        }
        Some(items) => {
            for v in arr {
                if !sub(items, v)? {
                    return Ok(false);
                }
            }
        }
        None => {}
    }
    Ok(true)
}

fn check_string(s: &Map<String, Value>, text: &str) -> Res {
    if !within(text.chars().count(), s.get("minLength"), s.get("maxLength")) {
        return Ok(false);
    }
    match s.get("pattern") {
        // JSON Schema patterns are unanchored: a match anywhere will do.
        Some(Value::String(p)) => Ok(regex(p)?.is_match(text)),
        _ => Ok(true),
    }
}

fn check_number(s: &Map<String, Value>, n: &Number) -> Res {
    let Some(x) = n.as_f64() else { return Ok(true) };
    let exclusive = |k: &str| s.get(k) == Some(&Value::Bool(true));
    if let Some(min) = s.get("minimum").and_then(Value::as_f64) {
        if x < min || (x == min && exclusive("exclusiveMinimum")) {
            return Ok(false);
        }
    }
    if let Some(max) = s.get("maximum").and_then(Value::as_f64) {
        if x > max || (x == max && exclusive("exclusiveMaximum")) {
            return Ok(false);
        }
    }
    match s.get("multipleOf") {
        Some(Value::Number(d)) => multiple_of(n, d),
        _ => Ok(true),
    }
}

fn multiple_of(n: &Number, d: &Number) -> Res {
    // Draft 4 requires a divisor above zero; anything else is a broken schema.
    if !d.as_f64().is_some_and(|d| d > 0.0) {
        return Err(Broken);
    }
    if let (Some(x), Some(d)) = (n.as_i64(), d.as_i64()) {
        return Ok(x % d == 0); // d > 0, so this cannot overflow
    }
    let (Some(x), Some(d)) = (n.as_f64(), d.as_f64()) else {
        return Ok(false);
    };
    let q = x / d;
    // Binary floats: 0.3 / 0.1 is 2.9999999999999996, so allow a few ulps of error.
    Ok(q.is_finite() && (q - q.round()).abs() <= (q.abs() * 4.0 * f64::EPSILON).max(1e-9))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `[schema, [good...], [bad...]]`: `schema` (with no external refs) accepts each good
    /// instance and rejects each bad one.
    fn cases(t: Value) {
        let none = |_: &str| None;
        for (i, want) in [(1, true), (2, false)] {
            for v in t[i].as_array().into_iter().flatten() {
                assert_eq!(validate(&t[0], v, &none), want, "{} on {v}", t[0]);
            }
        }
    }

    #[test]
    fn types() {
        cases(json!([{}, [null, 1, {"a": [1]}], []]));
        cases(json!([{"type": "integer"}, [1, 1.0, -5], [1.5, "1"]]));
        cases(json!([{"type": "number"}, [1, 1.5], [null, true]]));
        cases(json!([{"type": ["string", "null"]}, ["x", null], [0, []]]));
        cases(json!([{"type": "object"}, [{}], [[]]]));
        cases(json!([{"type": "nonsense"}, [], [1]]));
        cases(json!([true, [1], []]));
        cases(json!([false, [], [1]]));
    }

    #[test]
    fn enums() {
        cases(json!([{"enum": [1, "a", {"b": [2]}]}, [1.0, "a", {"b": [2]}], [2, "b"]]));
    }

    #[test]
    fn objects() {
        let s = json!({
            "properties": {"a": {"type": "string"}},
            "patternProperties": {"^x-": {"type": "integer"}},
            "additionalProperties": false,
            "required": ["a"],
            "minProperties": 1,
            "maxProperties": 2
        });
        let bad = json!([
            {}, {"a": 1}, {"a": "s", "x-n": "3"}, {"a": "s", "b": 1}, {"a": "s", "x-1": 1, "x-2": 2}
        ]);
        cases(json!([s, [{"a": "s"}, {"a": "s", "x-n": 3}], bad]));
        let s = json!({"properties": {"a": {}}, "additionalProperties": {"type": "number"}});
        cases(json!([s, [{"a": "s", "b": 1}], [{"b": "s"}]]));
        cases(json!([{"patternProperties": {"(": {}}}, [], [{"a": 1}]]));
    }

    #[test]
    fn arrays() {
        let s = json!({"items": {"type": "integer"}, "minItems": 1, "maxItems": 2});
        cases(json!([s, [[1], [1, 2]], [[], [1, 2, 3], [1, "2"]]]));
        let s = json!({"items": [{"type": "string"}], "additionalItems": false});
        cases(json!([s, [[], ["a"]], [[1], ["a", "b"]]]));
        let s = json!({"items": [{}], "additionalItems": {"type": "null"}});
        cases(json!([s, [[1, null]], [[1, 2]]]));
        cases(json!([{"items": [{"type": "string"}]}, [["a", 2]], []]));
        cases(json!([{"uniqueItems": true}, [[1, 2, [1]]], [[1, 1.0], [{"a": 1}, {"a": 1}]]]));
    }

    #[test]
    fn strings() {
        cases(json!([{"minLength": 2, "maxLength": 3}, ["ab", "日本語", 5], ["a", "abcd"]]));
        cases(json!([{"pattern": "[0-9]{3}"}, ["ab123cd"], ["ab12"]]));
        cases(json!([{"pattern": "^a$"}, ["a"], ["ba"]]));
        cases(json!([{"pattern": "("}, [1], ["a"]])); // only strings meet `pattern`
        cases(json!([{"format": "email"}, ["not an email"], []]));
    }

    #[test]
    fn numbers() {
        cases(json!([{"minimum": 1, "maximum": 3}, [1, 3, 2.5], [0.5, 4]]));
        let s =
            json!({"minimum": 1, "exclusiveMinimum": true, "maximum": 3, "exclusiveMaximum": true});
        cases(json!([s, [2], [1, 3]]));
        cases(json!([{"multipleOf": 3}, [9, -3, 0], [10]]));
        cases(json!([{"multipleOf": 0.1}, [0.3, 12.5], [0.35]]));
        cases(json!([{"multipleOf": 0}, [], [1]]));
        // Huge values must not panic; quotients that overflow to infinity fail.
        cases(json!([{"multipleOf": 1}, [u64::MAX, i64::MIN, f64::MAX], []]));
        cases(json!([{"multipleOf": 1e-300}, [], [1e300]]));
    }

    #[test]
    fn combinators() {
        let (int, small) = (json!({"type": "integer"}), json!({"maximum": 10}));
        cases(json!([{"allOf": [int, small]}, [5], [5.5, 11]]));
        cases(json!([{"anyOf": [int, small]}, [5.5, 11], [11.5]]));
        cases(json!([{"oneOf": [int, small]}, [5.5, 11], [5, 11.5]]));
        cases(json!([{"not": int}, ["x"], [1]]));
    }

    #[test]
    fn refs() {
        let s = json!({
            "definitions": {"Id": {"type": "integer"}},
            "properties": {"id": {"$ref": "#/definitions/Id"}, "self": {"$ref": "#"}}
        });
        cases(json!([s, [{"id": 1, "self": {"id": 2}}], [{"id": "1"}, {"self": {"id": "x"}}]]));
        cases(json!([{"$ref": "#/definitions/Missing"}, [], [1]]));

        // An external model, whose own `#/...` refs are against itself, not the referrer.
        let pet = "https://apigateway.amazonaws.com/restapis/abc/models/Pet";
        let model = json!({
            "definitions": {"N": {"type": "string"}},
            "properties": {"name": {"$ref": "#/definitions/N"}}
        });
        let resolve = |r: &str| (r == pet).then(|| model.clone());
        let s = json!({"items": {"$ref": pet}, "definitions": {"N": {"type": "integer"}}});
        assert!(validate(&s, &json!([{"name": "rex"}]), &resolve));
        assert!(!validate(&s, &json!([{"name": 1}]), &resolve));
        let unknown = json!({"$ref": "https://apigateway.amazonaws.com/restapis/abc/models/Nope"});
        assert!(!validate(&unknown, &json!({}), &resolve));
        // Unresolvable refs fail outright, even under `not`.
        assert!(!validate(&json!({"not": unknown}), &json!({}), &resolve));
    }

    #[test]
    fn ref_cycles_terminate() {
        cases(json!([{"$ref": "#"}, [], [1]]));
        cases(json!([{"not": {"$ref": "#"}}, [], [1]])); // not flipped to a pass
        let a_b = json!({"$ref": "#/definitions/A", "definitions": {
            "A": {"$ref": "#/definitions/B"},
            "B": {"allOf": [{"$ref": "#/definitions/A"}]}
        }});
        cases(json!([a_b, [], [1]]));
        let lp = "https://x/models/Loop";
        let looping = |_: &str| Some(json!({"allOf": [{"$ref": lp}]}));
        assert!(!validate(&json!({"$ref": lp}), &json!(1), &looping));
    }

    #[test]
    fn aws_petstore_model() {
        let s = json!({
            "$schema": "http://json-schema.org/draft-04/schema#",
            "title": "PetStore",
            "type": "object",
            "required": ["petType", "price"],
            "properties": {
                "petType": {"type": "string", "enum": ["dog", "cat", "fish", "bird", "gecko"]},
                "price": {"type": "number", "minimum": 25, "maximum": 500}
            }
        });
        let bad = json!([
            {"petType": "lion", "price": 30},
            {"price": 30},
            {"petType": "dog", "price": 1000}
        ]);
        cases(json!([s, [{"petType": "dog", "price": 30}], bad]));
    }
}
