#![allow(clippy::unwrap_used)]

mod common;
use common::*;

#[test]
fn from_json_keeps_key_order() {
    let v =
        Value::from_json(r#"{"zeta": 1, "alpha": {"y": [1, 2.5, "s"], "x": null}, "mid": true}"#)
            .unwrap();
    let Value::Map(m) = &v else {
        panic!("not a map")
    };
    assert_eq!(m.keys().collect::<Vec<_>>(), vec!["zeta", "alpha", "mid"]);
    assert_eq!(
        v.to_json(),
        r#"{"zeta":1,"alpha":{"y":[1,2.5,"s"],"x":null},"mid":true}"#
    );
    assert!(Value::from_json("{oops}").is_none());
    assert!(Value::from_json("").is_none());
    assert_eq!(Value::from_json(" 42 ").unwrap(), Value::Int(42));
    assert_eq!(Value::from_json("1e400").unwrap().to_json(), "null");
}

#[test]
fn duplicate_json_keys_keep_the_last_value_in_first_position() {
    let v = Value::from_json(r#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
    assert_eq!(v.to_json(), r#"{"a":3,"b":2}"#);
}

#[test]
fn map_api() {
    let mut m = Map::new();
    assert!(m.is_empty());
    m.insert("one", Value::Int(1));
    m.insert("two".to_string(), Value::from("2"));
    assert_eq!(m.insert("one", Value::Bool(true)), Some(Value::Int(1)));
    assert_eq!(m.len(), 2);
    assert_eq!(m.get("one"), Some(&Value::Bool(true)));
    assert_eq!(m.get("nope"), None);
    assert_eq!(
        m.iter().map(|(k, _)| k).collect::<Vec<_>>(),
        vec!["one", "two"]
    );
    assert_eq!(m.remove("one"), Some(Value::Bool(true)));
    assert_eq!(Value::Map(m).to_json(), r#"{"two":"2"}"#);
}

#[test]
fn from_serde_json() {
    let v: Value =
        serde_json::json!({"a": [1, 2.5, "x", null, {"b": false}], "big": 18446744073709551615u64})
            .into();
    let Value::Map(m) = &v else {
        panic!("not a map")
    };
    assert_eq!(
        m.get("a").unwrap().to_json(),
        r#"[1,2.5,"x",null,{"b":false}]"#
    );
    assert!(matches!(m.get("big"), Some(Value::Float(_))));
}

#[test]
fn context_built_from_serde_json_works_in_templates() {
    let scope = Scope {
        context: serde_json::json!({"identity": {"sourceIp": "10.0.0.1"}}).into(),
        ..Scope::default()
    };
    assert_eq!(render("$context.identity.sourceIp", &scope), "10.0.0.1");
}

#[test]
fn errors_display_positions() {
    let e = parse_err("ok\n#if(true)");
    assert_eq!(e.to_string(), format!("line 2, column 1: {}", e.message));
    let e = render_err("\n\n   $input.json('$')", &body("{"));
    assert_eq!((e.line, e.column), (3, 4));
}
