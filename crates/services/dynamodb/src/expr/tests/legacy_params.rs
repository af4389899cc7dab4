//! The legacy parameters.

use std::collections::BTreeMap;

use super::*;
use crate::generated::dynamodb::{
    AttributeValueUpdate, Condition as LegacyCondition, ExpectedAttributeValue,
};

fn av(json: &str) -> AttributeValue {
    serde_json::from_str(json).expect("value JSON")
}

fn cond(op: &str, values: &[&str]) -> LegacyCondition {
    LegacyCondition {
        comparison_operator: op.to_string(),
        attribute_value_list: Some(values.iter().map(|v| av(v)).collect()),
    }
}

fn filter(
    entries: &[(&str, LegacyCondition)],
    op: Option<&str>,
) -> Result<Option<Condition>, String> {
    let map: BTreeMap<String, LegacyCondition> = entries
        .iter()
        .map(|(k, c)| (k.to_string(), c.clone()))
        .collect();
    legacy::conditions_to_condition(&map, op).map_err(|e| e.message)
}

fn filter_err(op: &str, values: &[&str]) -> String {
    filter(&[("a", cond(op, values))], None).expect_err(op)
}

#[test]
fn filters_evaluate_like_expressions() {
    let it = item(r#"{"a": {"N": "5"}, "s": {"S": "hello"}, "ss": {"SS": ["x"]}}"#);
    let eval = |entries: &[(&str, LegacyCondition)], op: Option<&str>| {
        filter(entries, op)
            .expect("valid")
            .expect("non-empty")
            .eval(&it)
            .expect("evaluates")
    };
    let n = |x: &str| format!(r#"{{"N": "{x}"}}"#);
    assert!(eval(&[("a", cond("EQ", &[&n("5.0")]))], None));
    assert!(eval(&[("a", cond("NE", &[r#"{"S": "5"}"#]))], None));
    assert!(eval(&[("missing", cond("NE", &[&n("1")]))], None));
    assert!(eval(
        &[
            ("a", cond("BETWEEN", &[&n("1"), &n("5")])),
            ("s", cond("BEGINS_WITH", &[r#"{"S": "he"}"#]))
        ],
        None
    ));
    assert!(eval(
        &[
            ("a", cond("IN", &[&n("4"), &n("5")])),
            ("ss", cond("CONTAINS", &[r#"{"S": "x"}"#]))
        ],
        None
    ));
    assert!(eval(
        &[
            ("s", cond("NOT_CONTAINS", &[r#"{"S": "z"}"#])),
            ("a", cond("NOT_NULL", &[])),
            ("b", cond("NULL", &[]))
        ],
        None
    ));
    assert!(!eval(
        &[
            ("a", cond("LT", &[&n("5")])),
            ("s", cond("GE", &[r#"{"S": "a"}"#]))
        ],
        None
    ));
    assert!(eval(
        &[
            ("a", cond("LT", &[&n("5")])),
            ("s", cond("GE", &[r#"{"S": "a"}"#]))
        ],
        Some("OR")
    ));
    assert_eq!(filter(&[], None), Ok(None));
}

#[test]
fn filter_validation_messages() {
    for (op, values) in [
        ("EQ", &[][..]),
        ("EQ", &[r#"{"S": "a"}"#, r#"{"S": "a"}"#][..]),
        ("NULL", &[r#"{"S": "a"}"#][..]),
        ("NOT_NULL", &[r#"{"S": "a"}"#][..]),
        ("IN", &[][..]),
        ("BETWEEN", &[r#"{"S": "a"}"#][..]),
        ("BEGINS_WITH", &[][..]),
    ] {
        assert_eq!(
            filter_err(op, values),
            format!("One or more parameter values were invalid: Invalid number of argument(s) for the {op} ComparisonOperator")
        );
    }
    assert_eq!(
        filter_err("IN", &[r#"{"S": "b"}"#, r#"{"N": "1"}"#]),
        "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type"
    );
    for (op, value, ty) in [
        ("LT", r#"{"BOOL": true}"#, "BOOL"),
        ("GE", r#"{"SS": ["a"]}"#, "SS"),
        ("IN", r#"{"M": {}}"#, "M"),
        ("CONTAINS", r#"{"L": []}"#, "L"),
        ("NOT_CONTAINS", r#"{"NS": ["1"]}"#, "NS"),
        ("BEGINS_WITH", r#"{"N": "1"}"#, "N"),
    ] {
        assert_eq!(
            filter_err(op, &[value]),
            format!("One or more parameter values were invalid: ComparisonOperator {op} is not valid for {ty} AttributeValue type")
        );
    }
    assert_eq!(
        filter_err("BETWEEN", &[r#"{"NULL": true}"#, r#"{"NULL": true}"#]),
        "One or more parameter values were invalid: ComparisonOperator BETWEEN is not valid for NULL AttributeValue type"
    );
    assert_eq!(
        filter_err("BETWEEN", &[r#"{"S": "b"}"#, r#"{"S": "a"}"#]),
        "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"
    );
    // EQ and NE take any type.
    assert!(filter(&[("a", cond("EQ", &[r#"{"M": {}}"#]))], None).is_ok());
}

fn expected(entries: &[(&str, ExpectedAttributeValue)]) -> Result<Option<Condition>, String> {
    let map: BTreeMap<String, ExpectedAttributeValue> = entries
        .iter()
        .map(|(k, e)| (k.to_string(), e.clone()))
        .collect();
    legacy::expected_to_condition(&map, None).map_err(|e| e.message)
}

#[test]
fn expected_maps() {
    let value = Some(av(r#"{"S": "a"}"#));
    let e = |value: Option<AttributeValue>,
             exists: Option<bool>,
             op: Option<&str>,
             list: Option<Vec<AttributeValue>>| {
        ExpectedAttributeValue {
            value,
            exists,
            comparison_operator: op.map(str::to_string),
            attribute_value_list: list,
        }
    };
    let p = "One or more parameter values were invalid: ";
    for (entry, message) in [
        (
            e(None, None, None, None),
            "Value must be provided when Exists is null for Attribute: a",
        ),
        (
            e(None, Some(true), None, None),
            "Value must be provided when Exists is true for Attribute: a",
        ),
        (
            e(value.clone(), Some(false), None, None),
            "Value cannot be used when Exists is false for Attribute: a",
        ),
        (
            e(None, None, Some("LT"), None),
            "Value or AttributeValueList must be used with ComparisonOperator: LT for Attribute: a",
        ),
        (
            e(None, Some(true), Some("LT"), None),
            "Exists and ComparisonOperator cannot be used together for Attribute: a",
        ),
        (
            e(
                value.clone(),
                None,
                Some("LT"),
                Some(vec![av(r#"{"S": "a"}"#)]),
            ),
            "Value and AttributeValueList cannot be used together for Attribute: a",
        ),
        (
            e(None, None, None, Some(vec![av(r#"{"S": "a"}"#)])),
            "AttributeValueList can only be used with a ComparisonOperator for Attribute: a",
        ),
        (
            e(None, Some(true), None, Some(vec![])),
            "AttributeValueList can only be used with a ComparisonOperator for Attribute: a",
        ),
        (
            e(None, None, Some("EQ"), Some(vec![])),
            "Invalid number of argument(s) for the EQ ComparisonOperator",
        ),
        (
            e(value.clone(), None, Some("NULL"), None),
            "Invalid number of argument(s) for the NULL ComparisonOperator",
        ),
        (
            e(value.clone(), None, Some("BETWEEN"), None),
            "Invalid number of argument(s) for the BETWEEN ComparisonOperator",
        ),
    ] {
        assert_eq!(
            expected(&[("a", entry)]).expect_err(message),
            format!("{p}{message}")
        );
    }
    let it = item(r#"{"a": {"S": "a"}, "n": {"N": "3"}}"#);
    let ok = |entries: &[(&str, ExpectedAttributeValue)]| {
        expected(entries)
            .expect("valid")
            .expect("some")
            .eval(&it)
            .expect("eval")
    };
    assert!(ok(&[
        ("a", e(value.clone(), None, None, None)),
        ("z", e(None, Some(false), None, None))
    ]));
    assert!(!ok(&[("a", e(None, Some(false), None, None))]));
    assert!(ok(&[
        ("n", e(Some(av(r#"{"N": "2"}"#)), None, Some("GT"), None)),
        ("a", e(value, Some(true), None, None))
    ]));
    assert!(ok(&[("z", e(None, None, Some("NULL"), None))]));
}

#[test]
fn attribute_updates() {
    let u = |action: Option<&str>, value: Option<&str>| AttributeValueUpdate {
        action: action.map(str::to_string),
        value: value.map(av),
    };
    let updates = |entries: Vec<(&str, AttributeValueUpdate)>| -> Result<UpdateExpr, String> {
        let map: BTreeMap<String, AttributeValueUpdate> = entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        legacy::attribute_updates(&map).map_err(|e| e.message)
    };
    let p = "One or more parameter values were invalid: ";
    assert_eq!(
        updates(vec![("a", u(Some("PUT"), None))]).expect_err("no value"),
        format!("{p}Only DELETE action is allowed when no attribute value is specified")
    );
    assert_eq!(
        updates(vec![("a", u(None, None))]).expect_err("no value"),
        format!("{p}Only DELETE action is allowed when no attribute value is specified")
    );
    for ty in [
        r#"{"S": "1"}"#,
        r#"{"N": "1"}"#,
        r#"{"M": {}}"#,
        r#"{"L": []}"#,
    ] {
        let e = updates(vec![("a", u(Some("DELETE"), Some(ty)))]).expect_err(ty);
        assert!(
            e.starts_with(&format!(
                "{p}DELETE action with value is not supported for the type "
            )),
            "{e}"
        );
    }
    for (ty, name) in [
        (r#"{"S": "1"}"#, "S"),
        (r#"{"B": "YQ=="}"#, "B"),
        (r#"{"BOOL": true}"#, "BOOL"),
        (r#"{"NULL": true}"#, "NULL"),
        (r#"{"M": {}}"#, "M"),
    ] {
        assert_eq!(
            updates(vec![("a", u(Some("ADD"), Some(ty)))]).expect_err(ty),
            format!("{p}ADD action is not supported for the type {name}")
        );
    }
    let update = updates(vec![
        ("put", u(None, Some(r#"{"S": "new"}"#))),
        ("n", u(Some("ADD"), Some(r#"{"N": "2"}"#))),
        ("l", u(Some("ADD"), Some(r#"{"L": [{"S": "b"}]}"#))),
        ("ss", u(Some("DELETE"), Some(r#"{"SS": ["x"]}"#))),
        ("gone", u(Some("DELETE"), None)),
    ])
    .expect("valid");
    let mut it = item(
        r#"{"n": {"N": "1"}, "l": {"L": [{"S": "a"}]}, "ss": {"SS": ["x", "y"]}, "gone": {"S": "g"}}"#,
    );
    update.apply(&mut it).expect("applies");
    assert_eq!(
        it,
        item(
            r#"{"put": {"S": "new"}, "n": {"N": "3"}, "l": {"L": [{"S": "a"}, {"S": "b"}]}, "ss": {"SS": ["y"]}}"#
        )
    );
    // Legacy type mismatches have their own message.
    let update = updates(vec![("n", u(Some("ADD"), Some(r#"{"NS": ["1"]}"#)))]).expect("valid");
    let mut it = item(r#"{"n": {"N": "1"}}"#);
    assert_eq!(
        update.apply(&mut it).expect_err("mismatch").message,
        "Type mismatch for attribute to update"
    );
    let is_key = |n: &str| n == "put";
    let update = updates(vec![("put", u(None, Some(r#"{"S": "x"}"#)))]).expect("valid");
    assert_eq!(
        update.check_key_attributes(&is_key).expect_err("key").message,
        "One or more parameter values were invalid: Cannot update attribute put. This attribute is part of the key"
    );
}

#[test]
fn attributes_to_get() {
    let names = vec!["a".to_string(), "status".to_string(), "a.b".to_string()];
    let paths = legacy::attributes_to_get(&names).expect("valid");
    // Names are taken literally: a dotted name is one attribute.
    assert_eq!(
        project(
            &item(r#"{"a.b": {"S": "x"}, "a": {"M": {"b": {"S": "y"}}}}"#),
            &paths[2..]
        ),
        item(r#"{"a.b": {"S": "x"}}"#)
    );
    assert_eq!(paths[1].to_string(), "[status]");
    let dup = vec!["a".to_string(), "b".to_string(), "a".to_string()];
    assert_eq!(
        legacy::attributes_to_get(&dup).expect_err("dup").message,
        "One or more parameter values were invalid: Duplicate value in attribute name: a"
    );
}
