//! Key conditions.

use std::collections::BTreeMap;

use super::*;
use crate::generated::dynamodb::Condition as LegacyCondition;

const VALUES: &str = r#"{":p": {"S": "p1"}, ":a": {"S": "a"}, ":b": {"S": "b"}, ":n": {"N": "1"}, ":t": {"S": "S"}}"#;

fn analyze(text: &str, sort: Option<&str>) -> Result<KeyCondition, String> {
    let r = req(&[("#s", "sk")], VALUES);
    let c = r.condition(text, ExprKind::KeyCondition).expect(text);
    analyze_key_condition(&c, "pk", sort).map_err(|e| e.message)
}

fn s(x: &str) -> AttributeValue {
    AttributeValue::S(x.to_string())
}

#[test]
fn splits_partition_and_sort_conditions() {
    let sk = Some("sk");
    let kc = analyze("pk = :p", sk).expect("valid");
    assert_eq!(
        kc,
        KeyCondition {
            partition: s("p1"),
            sort: None
        }
    );
    for (text, sort) in [
        ("pk = :p AND sk = :a", SortKeyCondition::Eq(s("a"))),
        ("sk < :a AND pk = :p", SortKeyCondition::Lt(s("a"))),
        (":p = pk AND :a < #s", SortKeyCondition::Gt(s("a"))),
        ("pk = :p AND :a >= sk", SortKeyCondition::Le(s("a"))),
        ("pk = :p AND sk > :a", SortKeyCondition::Gt(s("a"))),
        (
            "pk = :p AND sk BETWEEN :a AND :b",
            SortKeyCondition::Between(s("a"), s("b")),
        ),
        (
            "(pk = :p) AND (begins_with(sk, :a))",
            SortKeyCondition::BeginsWith(s("a")),
        ),
    ] {
        let kc = analyze(text, sk).expect(text);
        assert_eq!(kc.partition, s("p1"), "{text}");
        assert_eq!(kc.sort, Some(sort), "{text}");
    }
}

#[test]
fn structural_errors() {
    let sk = Some("sk");
    for (text, op) in [
        ("pk > :p and size(sk) > :n or pk = :p", "OR"),
        ("pk in (:p, :a)", "IN"),
        ("attribute_exists(pk)", "attribute_exists"),
        ("attribute_not_exists(pk)", "attribute_not_exists"),
        ("contains(pk, :p)", "contains"),
        ("attribute_type(pk, :t)", "attribute_type"),
        ("not pk = :p", "NOT"),
        ("pk <> :p", "<>"),
    ] {
        assert_eq!(
            analyze(text, sk).expect_err(text),
            format!("Invalid operator used in KeyConditionExpression: {op}"),
            "{text}"
        );
    }
    for (text, message) in [
        (":a between sk and pk AND pk = :p", "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand"),
        ("begins_with(:a, sk) and pk = :p", "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand"),
        ("size(sk) > :n AND pk.x = :p", "KeyConditionExpressions cannot contain nested operations"),
        ("pk = :p AND sk > size(x)", "KeyConditionExpressions cannot contain nested operations"),
        ("sk > pk.b", "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"),
        ("sk between x[1] and y", "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"),
        ("begins_with(sk, pk)", "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"),
        ("pk.d = :p AND sk = :a", "KeyConditionExpressions cannot have conditions on nested attributes"),
        ("pk = :p AND sk[0] = :a", "KeyConditionExpressions cannot have conditions on nested attributes"),
        (":a > :b AND pk = :p", "Invalid condition in KeyConditionExpression: No key attribute specified"),
        ("pk = :p AND pk = :p", "KeyConditionExpressions must only contain one condition per key"),
        ("(pk = :p and sk > :a) and (sk < :b)", "KeyConditionExpressions must only contain one condition per key"),
        ("pk = :p and sk = :a and x = :b", "Conditions can be of length 1 or 2 only"),
    ] {
        assert_eq!(analyze(text, sk).expect_err(text), message, "{text}");
    }
}

#[test]
fn schema_errors() {
    assert_eq!(
        analyze("x = :p", Some("sk")).expect_err("x"),
        "Query condition missed key schema element: pk"
    );
    assert_eq!(
        analyze("pk = :p AND x = :a", Some("sk")).expect_err("x"),
        "Query condition missed key schema element: sk"
    );
    assert_eq!(
        analyze("pk = :p AND x = :a", None).expect_err("x"),
        "Query key condition not supported"
    );
    assert_eq!(
        analyze("pk > :p", Some("sk")).expect_err("gt"),
        "Query key condition not supported"
    );
    assert_eq!(
        analyze("begins_with(pk, :p)", None).expect_err("bw"),
        "Query key condition not supported"
    );
    assert_eq!(
        analyze("sk = :a", Some("sk")).expect_err("no pk"),
        "Query condition missed key schema element: pk"
    );
}

#[test]
fn sort_conditions_match_values() {
    let n = |x: &str| AttributeValue::N(crate::types::Number::parse(x).expect("number"));
    assert!(SortKeyCondition::Between(n("1"), n("10")).matches(&n("9.5")));
    assert!(!SortKeyCondition::Between(n("1"), n("10")).matches(&n("10.5")));
    assert!(SortKeyCondition::BeginsWith(s("ab")).matches(&s("abc")));
    assert!(!SortKeyCondition::BeginsWith(s("ab")).matches(&n("1")));
    assert!(
        SortKeyCondition::Lt(s("b")).matches(&s("a"))
            && !SortKeyCondition::Lt(s("b")).matches(&s("b"))
    );
    assert!(
        SortKeyCondition::Le(s("b")).matches(&s("b"))
            && SortKeyCondition::Ge(s("b")).matches(&s("c"))
    );
    assert!(SortKeyCondition::Eq(n("1.0")).matches(&n("1")));
    assert_eq!(
        SortKeyCondition::Between(n("1"), n("2")).values(),
        vec![&n("1"), &n("2")]
    );
}

#[test]
fn legacy_key_conditions() {
    let c = |op: &str, v: &[&str]| LegacyCondition {
        comparison_operator: op.to_string(),
        attribute_value_list: Some(
            v.iter()
                .map(|j| serde_json::from_str(j).expect("value"))
                .collect(),
        ),
    };
    let run =
        |entries: &[(&str, LegacyCondition)], sort: Option<&str>| -> Result<KeyCondition, String> {
            let map: BTreeMap<String, LegacyCondition> = entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect();
            let cond = legacy::conditions_to_condition(&map, None)
                .map_err(|e| e.message)?
                .expect("non-empty");
            analyze_key_condition(&cond, "pk", sort).map_err(|e| e.message)
        };
    let p = r#"{"S": "p1"}"#;
    let kc = run(
        &[
            ("pk", c("EQ", &[p])),
            ("sk", c("BEGINS_WITH", &[r#"{"S": "x"}"#])),
        ],
        Some("sk"),
    )
    .expect("valid");
    assert_eq!(
        kc,
        KeyCondition {
            partition: s("p1"),
            sort: Some(SortKeyCondition::BeginsWith(s("x")))
        }
    );
    let kc = run(
        &[
            ("pk", c("EQ", &[p])),
            ("sk", c("BETWEEN", &[r#"{"N": "1"}"#, r#"{"N": "2"}"#])),
        ],
        Some("sk"),
    )
    .expect("valid");
    assert!(matches!(kc.sort, Some(SortKeyCondition::Between(..))));
    for (entries, message) in [
        (
            vec![("pk", c("EQ", &[p])), ("sk", c("NE", &[p]))],
            "Attempted conditional constraint is not an indexable operation",
        ),
        (
            vec![("pk", c("NOT_NULL", &[]))],
            "Attempted conditional constraint is not an indexable operation",
        ),
        (
            vec![("pk", c("IN", &[p]))],
            "Attempted conditional constraint is not an indexable operation",
        ),
        (
            vec![("pk", c("GT", &[p]))],
            "Query key condition not supported",
        ),
        (
            vec![("sk", c("EQ", &[p]))],
            "Query condition missed key schema element: pk",
        ),
        (
            vec![
                ("pk", c("EQ", &[p])),
                ("sk", c("EQ", &[p])),
                ("x", c("EQ", &[p])),
            ],
            "Conditions can be of length 1 or 2 only",
        ),
    ] {
        assert_eq!(run(&entries, Some("sk")).expect_err(message), message);
    }
}
