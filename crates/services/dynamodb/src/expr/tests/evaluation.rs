//! Evaluating conditions against items.

use super::*;

const ITEM: &str = r#"{
    "s": {"S": "hello"}, "n": {"N": "10"}, "b": {"B": "AAEC"},
    "ss": {"SS": ["x", "y"]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": ["AQ=="]},
    "l": {"L": [{"S": "x"}, {"N": "1"}, {"M": {"k": {"S": "v"}}}]},
    "m": {"M": {"inr": {"N": "5"}, "lst": {"L": [{"S": "deep"}]}}},
    "t": {"BOOL": true}, "z": {"NULL": true}, "u": {"S": "é𝄞"}
}"#;

fn check(text: &str, values: &str) -> bool {
    holds(text, values, ITEM)
}

#[test]
fn comparisons_follow_dynamodb_types() {
    let v = r#"{":s": {"S": "hello"}, ":n": {"N": "10.0"}, ":n9": {"N": "9"}, ":sn": {"S": "10"}, ":b": {"B": "AAED"}}"#;
    assert!(check("s = :s AND n = :n", v));
    assert!(check("n > :n9 AND n >= :n AND n <= :n AND NOT n < :n", v));
    // Different types are never equal and never ordered.
    assert!(!check("n = :sn", v));
    assert!(check("n <> :sn", v));
    assert!(!check("n > :sn", v) && !check("n < :sn", v));
    // Binary compares byte-wise; strings by UTF-8 bytes.
    assert!(check("b < :b", v));
    assert!(holds(
        "a < :b",
        r#"{":b": {"S": "é"}}"#,
        r#"{"a": {"S": "z"}}"#
    ));
    assert!(holds(
        "a > :b",
        r#"{":b": {"S": "Z"}}"#,
        r#"{"a": {"S": "a"}}"#
    ));
    // Numbers compare numerically, not as text.
    assert!(holds(
        "a < :b",
        r#"{":b": {"N": "10"}}"#,
        r#"{"a": {"N": "9"}}"#
    ));
    assert!(holds(
        "a > :b",
        r#"{":b": {"N": "-10"}}"#,
        r#"{"a": {"N": "-9.5"}}"#
    ));
}

#[test]
fn absent_attributes() {
    let v = r#"{":s": {"S": "x"}}"#;
    assert!(!check("absent = :s", v));
    assert!(!check("absent < :s", v));
    assert!(check("absent <> :s", v));
    assert!(!check("absent BETWEEN :s AND :s", v));
    assert!(!check("absent IN (:s)", v));
    assert!(!check("contains(absent, :s)", v));
    assert!(check("NOT contains(absent, :s)", v));
    assert!(check(
        "attribute_not_exists(absent) AND attribute_exists(s)",
        v
    ));
    assert!(check(
        "attribute_not_exists(m.nope) AND attribute_exists(m.inr) AND attribute_exists(l[2].k)",
        v
    ));
    assert!(!check(
        "attribute_exists(l[3]) OR attribute_exists(s.x) OR attribute_exists(l.x)",
        v
    ));
    // Works on an empty item (a write to a key that has no item yet).
    assert!(holds("attribute_not_exists(pk)", "", "{}"));
}

#[test]
fn sets_lists_and_maps_compare_whole() {
    let v = r#"{":ss": {"SS": ["y", "x"]}, ":ns": {"NS": ["2.50", "1"]}, ":l": {"L": [{"S": "x"}, {"N": "1.0"}, {"M": {"k": {"S": "v"}}}]},
               ":m": {"M": {"lst": {"L": [{"S": "deep"}]}, "inr": {"N": "5"}}}, ":l2": {"L": [{"N": "1"}, {"S": "x"}]}}"#;
    assert!(check("ss = :ss AND ns = :ns AND l = :l AND m = :m", v));
    // Lists keep their order.
    assert!(!check("l = :l2", v));
    // Sets, lists and maps have no order.
    let two =
        r#"{"s1": {"SS": ["a"]}, "s2": {"SS": ["b"]}, "l1": {"L": []}, "l2": {"L": [{"N": "1"}]}}"#;
    assert!(!holds(
        "s1 < s2 OR s1 >= s2 OR l1 < l2 OR l1 >= l2",
        "",
        two
    ));
}

#[test]
fn between_and_in() {
    let v = r#"{":lo": {"N": "1"}, ":hi": {"N": "10"}, ":a": {"S": "a"}, ":z": {"S": "z"}, ":x": {"N": "3"}}"#;
    assert!(check("n BETWEEN :lo AND :hi", v));
    assert!(!check("n BETWEEN :lo AND :x", v));
    assert!(check("s BETWEEN :a AND :z", v));
    assert!(!check("n BETWEEN :a AND :z", v));
    assert!(check("n IN (:x, :hi)", v));
    assert!(!check("n IN (:x, :a)", v));
    assert!(check("size(s) BETWEEN :lo AND :hi", v));
}

#[test]
fn functions() {
    let v = r#"{":he": {"S": "he"}, ":el": {"S": "ell"}, ":x": {"S": "x"}, ":one": {"N": "1"}, ":b01": {"B": "AAE="}, ":b2": {"B": "Ag=="},
               ":b1": {"B": "AQ=="}, ":deep": {"S": "deep"}, ":S": {"S": "S"}, ":SS": {"S": "SS"}, ":BOOL": {"S": "BOOL"},
               ":NULL": {"S": "NULL"}, ":M": {"S": "M"}, ":N": {"S": "N"}}"#;
    assert!(check("begins_with(s, :he) AND NOT begins_with(s, :el)", v));
    assert!(check("begins_with(b, :b01) AND NOT begins_with(b, :b2)", v));
    assert!(!check(
        "begins_with(n, :he) OR begins_with(b, :he) OR begins_with(s, :b01)",
        v
    ));
    assert!(check("contains(s, :el) AND contains(ss, :x) AND contains(ns, :one) AND contains(l, :x) AND contains(l, :one)", v));
    assert!(check("contains(b, :b2) AND contains(bs, :b1)", v));
    assert!(!check(
        "contains(s, :x) OR contains(m, :x) OR contains(n, :one) OR contains(ss, :one)",
        v
    ));
    assert!(check("contains(m.lst, :deep)", v));
    assert!(check(
        "attribute_type(s, :S) AND attribute_type(ss, :SS) AND attribute_type(t, :BOOL)",
        v
    ));
    assert!(check(
        "attribute_type(z, :NULL) AND attribute_type(m, :M) AND attribute_type(n, :N)",
        v
    ));
    assert!(!check(
        "attribute_type(s, :N) OR attribute_type(absent, :S)",
        v
    ));
}

#[test]
fn size_counts_like_dynamodb() {
    let sizes = r#"{":5": {"N": "5"}, ":3": {"N": "3"}, ":2": {"N": "2"}, ":1": {"N": "1"}, ":0": {"N": "0"}}"#;
    // Strings count UTF-16 code units: "é𝄞" is 3.
    assert!(check(
        "size(s) = :5 AND size(u) = :3 AND size(b) = :3",
        sizes
    ));
    assert!(check(
        "size(ss) = :2 AND size(ns) = :2 AND size(bs) = :1 AND size(l) = :3 AND size(m) = :2",
        sizes
    ));
    // Numbers, booleans and nulls have no size: comparisons are false, `<>` true.
    assert!(!check(
        "size(n) > :0 OR size(t) = :1 OR size(z) >= :0",
        sizes
    ));
    assert!(check("size(n) <> :0", sizes));
    assert!(!check("size(absent) = :0", sizes));
}

#[test]
fn logic() {
    let v = r#"{":t": {"BOOL": true}}"#;
    assert!(check("t = :t AND (t <> :t OR t = :t)", v));
    assert!(!check("NOT t = :t", v));
    assert!(check("NOT (t <> :t AND t = :t)", v));
}

#[test]
fn top_level_names() {
    let r = req(&[("#k", "pk")], r#"{":v": {"S": "x"}}"#);
    let c = r
        .cond("#k = :v AND (size(a.b) > :v OR contains(c[1], :v)) AND attribute_exists(d)")
        .expect("parses");
    assert_eq!(
        c.top_level_names().into_iter().collect::<Vec<_>>(),
        ["a", "c", "d", "pk"]
    );
}
