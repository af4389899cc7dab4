//! Projection expressions and projecting items.

use super::*;

const ITEM: &str = r#"{
    "a": {"M": {"b": {"N": "1"}, "c": {"S": "x"}, "d": {"M": {"e": {"BOOL": true}}}}},
    "l": {"L": [{"S": "zero"}, {"M": {"x": {"N": "1"}, "y": {"N": "2"}}}, {"S": "two"}, {"S": "three"}]},
    "top": {"S": "t"}, "status": {"S": "s"}
}"#;

fn projected(text: &str, names: &[(&str, &str)]) -> Item {
    let paths = req(names, "").projection(text).expect(text);
    project(&item(ITEM), &paths)
}

#[test]
fn keeps_the_document_structure() {
    assert_eq!(projected("top", &[]), item(r#"{"top": {"S": "t"}}"#));
    assert_eq!(
        projected("a.b, a.d.e", &[]),
        item(r#"{"a": {"M": {"b": {"N": "1"}, "d": {"M": {"e": {"BOOL": true}}}}}}"#)
    );
    // List elements keep their order and close up the gaps.
    assert_eq!(
        projected("l[3], l[1].y, l[0]", &[]),
        item(r#"{"l": {"L": [{"S": "zero"}, {"M": {"y": {"N": "2"}}}, {"S": "three"}]}}"#)
    );
    assert_eq!(
        projected("l[1].x, l[1].y", &[]),
        item(r#"{"l": {"L": [{"M": {"x": {"N": "1"}, "y": {"N": "2"}}}]}}"#)
    );
    // Paths that lead nowhere select nothing.
    assert_eq!(
        projected("nope, a.nope, l[9], top.x, l[2].z", &[]),
        Item::new()
    );
    assert_eq!(
        projected("#s, #a.#b", &[("#s", "status"), ("#a", "a"), ("#b", "b")]),
        item(r#"{"status": {"S": "s"}, "a": {"M": {"b": {"N": "1"}}}}"#)
    );
}

#[test]
fn whole_values_include_their_parts() {
    let it = item(ITEM);
    let paths = [Path::attr("a"), {
        let mut p = Path::attr("a");
        p.push(PathElement::Attr("b".into()));
        p
    }];
    assert_eq!(
        project(&it, &paths),
        item(
            r#"{"a": {"M": {"b": {"N": "1"}, "c": {"S": "x"}, "d": {"M": {"e": {"BOOL": true}}}}}}"#
        )
    );
    let reversed = [paths[1].clone(), paths[0].clone()];
    assert_eq!(project(&it, &reversed), project(&it, &paths));
}

#[test]
fn projection_errors() {
    let r = plain();
    assert_eq!(
        r.projection("").expect_err("empty"),
        "Invalid ProjectionExpression: The expression can not be empty;"
    );
    assert_eq!(r.projection("a, status").expect_err("reserved"), "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: status");
    assert_eq!(
        r.projection("a, #b").expect_err("undefined"),
        "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #b"
    );
    assert_eq!(
        r.projection("a.b, c, a").expect_err("overlap"),
        "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a]"
    );
    assert_eq!(
        r.projection("a.b, a[0]").expect_err("conflict"),
        "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [0]]"
    );
    assert_eq!(
        r.projection("a b").expect_err("syntax"),
        r#"Invalid ProjectionExpression: Syntax error; token: "b", near: "a b""#
    );
    assert_eq!(
        r.projection("a,").expect_err("syntax"),
        r#"Invalid ProjectionExpression: Syntax error; token: "<EOF>", near: ",""#
    );
    assert_eq!(
        r.projection("!!").expect_err("syntax"),
        r#"Invalid ProjectionExpression: Syntax error; token: "!", near: "!!""#
    );
    // Keywords of other expression kinds are plain names here, unless reserved.
    assert!(r.projection("a.b[1][2].c, d").is_ok());
    assert_eq!(
        r.projection("and").expect_err("reserved"),
        "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: and"
    );
    let long = "a".repeat(4097);
    assert_eq!(
        r.projection(&long).expect_err("long"),
        "Invalid ProjectionExpression: Expression size has exceeded the maximum allowed size;"
    );
    assert!(r.projection(&long[..4096]).is_ok());
}
