//! Parsing and checking condition expressions, and the request-level placeholder checks.

use super::*;

#[test]
fn parses_every_form() {
    let r = req(
        &[("#n", "name")],
        r#"{":v": {"S": "x"}, ":t": {"S": "SS"}, ":lo": {"N": "1"}, ":hi": {"N": "9"}}"#,
    );
    for text in [
        "a = :v",
        "a.b[2].#n <> :v",
        "NOT (a < :lo) AND b >= :hi OR c <= :v",
        "a BETWEEN :lo AND :hi",
        "a between :lo and :hi",
        "a IN (:lo, :hi, b)",
        "attribute_exists(a) and attribute_not_exists(#n)",
        "attribute_type(a, :t)",
        "begins_with(a, :v) OR contains(a, :v)",
        "size(a) > :lo",
        "(a) = :v",
        "(a.b).c = :v",
        "(size(a)) > :lo",
        "((a = :v) OR (b = :v))",
        "NOT NOT a = :v",
    ] {
        assert!(r.cond(text).is_ok(), "{text}: {:?}", r.cond(text));
    }
}

#[test]
fn precedence_is_not_then_and_then_or() {
    let r = req(&[], r#"{":v": {"N": "1"}}"#);
    let c = r.cond("a = :v OR b = :v AND NOT c = :v").expect("parses");
    let Condition::Or(_, right) = c else {
        panic!("OR at the root: {c:?}")
    };
    let Condition::And(_, not) = *right else {
        panic!("AND under OR")
    };
    assert!(matches!(*not, Condition::Not(_)));
}

#[test]
fn syntax_errors_name_the_token() {
    let r = plain();
    for (text, token, near) in [
        ("a > 4", "4", "> 4"),
        ("things are not gonna be ok", "are", "things are not"),
        ("a = ", "<EOF>", "= "),
        ("#$.b > a", "#", "#$"),
        ("ü > a", "ü", "ü >"),
        ("a in (b,c,)", ")", ",)"),
        ("a > between", "between", "> between"),
        ("(a = b", "<EOF>", "b"),
        ("(a = b) c", "c", ") c"),
    ] {
        assert_eq!(
            r.cond(text).expect_err(text),
            format!(
                "Invalid ConditionExpression: Syntax error; token: \"{token}\", near: \"{near}\""
            ),
            "{text}"
        );
    }
}

#[test]
fn refuses_what_dynamodb_calls_syntax_errors() {
    // Expressions DynamoDB answers with a syntax error (from a suite run against it).
    for text in [
        "attribute_exists(Pictures-RearView)",
        "attribute_exists(\"Pictures.RearView\")",
        "attribute_exists(Pictures..RearView)",
        "attribute_exists(Pi#ctures.RearView)",
        "attribute_exists(asdf[a])",
        "a in b, c",
        "a in b",
        "(a)between(b.(c.d))and(c)",
        "(a)between(b.c.d)and((c)",
        "a > :things.stuff",
        "b[:a] > a",
        "b[#_] > a",
        "(a)between(b.c[4.5].#d)and(:a)",
        "size(a).b > a",
        "(size(a)).b > a",
        "size(a)[0] > a",
        "(size(a))[0] > a",
        "f() = a",
    ] {
        let e = plain().filter_err(text);
        assert!(
            e.starts_with("Invalid FilterExpression: Syntax error; token: "),
            "{text}: {e}"
        );
    }
}

#[test]
fn empty_and_oversized_expressions() {
    let r = plain();
    assert_eq!(
        r.cond("").expect_err("empty"),
        "Invalid ConditionExpression: The expression can not be empty;"
    );
    assert_eq!(
        r.cond("  \n").expect_err("blank"),
        "Invalid ConditionExpression: The expression can not be empty;"
    );
    let long = format!("attribute_exists({})", "a".repeat(4096));
    assert_eq!(
        r.cond(&long).expect_err("long"),
        format!("Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: {}", long.len())
    );
    let key = format!("{} = :v", "a".repeat(4097));
    assert_eq!(
        r.condition(&key, ExprKind::KeyCondition).expect_err("long"),
        "Invalid KeyConditionExpression: Expression size has exceeded the maximum allowed size;"
    );
}

#[test]
fn deep_nesting_is_refused_not_a_crash() {
    let text = format!("{}a = b{}", "(".repeat(2000), ")".repeat(2000));
    let e = plain().cond(&text[..4000]).expect_err("deep");
    assert!(
        e.starts_with("Invalid ConditionExpression: Syntax error"),
        "{e}"
    );
}

#[test]
fn redundant_parentheses() {
    for text in [
        "a=a and a > ((views))",
        "(a)between(((b.c)).d)and(c)",
        "a > whatever((:things), ((a)))",
        "a=a AND ((a=a AND a=a)) AND a=a",
        "a=a OR ((a=a OR a=a)) OR a=a",
        "a=a AND ((a=a AND (a=a AND a=a)))",
        "((a = b))",
    ] {
        assert_eq!(
            plain().filter_err(text),
            "Invalid FilterExpression: The expression has redundant parentheses;",
            "{text}"
        );
    }
}

#[test]
fn unknown_and_misused_functions() {
    let r = plain();
    assert_eq!(
        r.filter_err("a=a and whatever((:things)) > a"),
        "Invalid FilterExpression: Invalid function name; function: whatever"
    );
    // Function names are case-sensitive.
    assert_eq!(
        r.filter_err("attRIbute_exIsts((views), #a)"),
        "Invalid FilterExpression: Invalid function name; function: attRIbute_exIsts"
    );
    for (text, f) in [
        (
            "a=a and attribute_exists((views), (#a)) > b",
            "attribute_exists",
        ),
        ("attribute_not_exists(things) > b", "attribute_not_exists"),
        ("begins_with(things, a) > b", "begins_with"),
        ("contains(:things, c) > b", "contains"),
        ("size(contains(a, b)) > a", "contains"),
        ("size(things)", "size"),
        ("NOT size(things)", "size"),
        (
            "a between b and attribute_exists(things)",
            "attribute_exists",
        ),
        ("a in (b, attribute_exists(things))", "attribute_exists"),
    ] {
        assert_eq!(
            r.filter_err(text),
            format!("Invalid FilterExpression: The function is not allowed to be used this way in an expression; function: {f}"),
            "{text}"
        );
    }
}

#[test]
fn reserved_words_and_placeholders() {
    let r = plain();
    assert_eq!(
        r.filter_err("attribute_exists(views, #a)"),
        "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: views"
    );
    assert_eq!(
        r.filter_err(":a < abOrT"),
        "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: abOrT"
    );
    assert_eq!(
        r.cond("status = :s").expect_err("reserved"),
        "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status"
    );
    for (text, missing) in [
        (
            "attribute_exists(#Pictures.RearView, :a) and a=a",
            "#Pictures",
        ),
        ("begins_with(Pictures.#RearView)", "#RearView"),
        ("(#P between :lo and :hi) and (#PC in (:cat1, :cat2))", "#P"),
        ("#4g > a", "#4g"),
        ("(a)between(b.c[45].#d)and(:a)", "#d"),
    ] {
        assert_eq!(
            r.filter_err(text),
            format!("Invalid FilterExpression: An expression attribute name used in the document path is not defined; attribute name: {missing}"),
            "{text}"
        );
    }
    for (text, missing) in [
        ("begins_with(:hello, #a, #b)", ":hello"),
        (":a < :b", ":a"),
        (":_ > a", ":_"),
    ] {
        assert_eq!(
            r.filter_err(text),
            format!("Invalid FilterExpression: An expression attribute value used in expression is not defined; attribute value: {missing}"),
            "{text}"
        );
    }
    // `#status` gets around the reserved word.
    assert!(req(&[("#s", "status")], r#"{":s": {"S": "x"}}"#)
        .cond("#s = :s")
        .is_ok());
}

#[test]
fn operand_counts_and_distinct_operands() {
    let r = plain();
    for (text, f, n) in [
        ("attribute_exists(things, a) and a=a", "attribute_exists", 2),
        ("attribute_type(things)", "attribute_type", 1),
        ("begins_with(things, size(a), b)", "begins_with", 3),
        ("contains(things)", "contains", 1),
        ("size(things, a) > b", "size", 2),
    ] {
        assert_eq!(
            r.filter_err(text),
            format!("Invalid FilterExpression: Incorrect number of operands for operator or function; operator or function: {f}, number of operands: {n}"),
            "{text}"
        );
    }
    let r = req(&[("#a", "a")], "");
    for (text, op, path) in [
        ("a = a AND #a = b AND :views > a", "=", "[a]"),
        ("#a <> a", "<>", "[a]"),
        ("((a=a) OR (a=a))", "=", "[a]"),
        (
            "contains(ab.bc[1].a, ab.bc[1].#a)",
            "contains",
            "[ab, bc, [1], a]",
        ),
        (
            "begins_with(ab.bc[1].a, ab.bc[1].#a)",
            "begins_with",
            "[ab, bc, [1], a]",
        ),
    ] {
        assert_eq!(
            r.filter_err(text),
            format!("Invalid FilterExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: {op}, first operand: {path}"),
            "{text}"
        );
    }
}

#[test]
fn operand_types() {
    for (text, value, f, ty) in [
        (
            "attribute_type(a, size(a)) and a=a and a=:a",
            r#"{"N": "1"}"#,
            "attribute_type",
            "N",
        ),
        (
            "attribute_type(a, :a)",
            r#"{"BOOL": true}"#,
            "attribute_type",
            "BOOL",
        ),
        (
            "attribute_type(a, :a)",
            r#"{"SS": ["1"]}"#,
            "attribute_type",
            "SS",
        ),
        ("begins_with(a, :a)", r#"{"N": "1"}"#, "begins_with", "N"),
        ("begins_with(:a, a)", r#"{"L": []}"#, "begins_with", "L"),
        (
            "begins_with(a, size(a)) and a=:a",
            r#"{"N": "1"}"#,
            "begins_with",
            "N",
        ),
        ("size(size(a)) > :a", r#"{"N": "1"}"#, "size", "N"),
        (
            "attribute_not_exists(size(:a))",
            r#"{"N": "1"}"#,
            "size",
            "N",
        ),
        ("size(:a) > a", r#"{"NULL": true}"#, "size", "NULL"),
        ("n > :a", r#"{"BOOL": true}"#, ">", "BOOL"),
        (":a <= n", r#"{"SS": ["x"]}"#, "<=", "SS"),
        ("size(s) > :a", r#"{"M": {}}"#, ">", "M"),
        (
            "n BETWEEN :a AND :a",
            r#"{"NULL": true}"#,
            "BETWEEN",
            "NULL",
        ),
    ] {
        let r = req(&[], &format!(r#"{{":a": {value}}}"#));
        assert_eq!(
            r.filter_err(text),
            format!("Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: {f}, operand type: {ty}"),
            "{text}"
        );
    }
    // Equality takes every type.
    assert!(req(&[], r#"{":a": {"BOOL": true}}"#)
        .cond("n = :a OR n <> :a")
        .is_ok());
    let r = req(&[], r#"{":a": {"S": "1"}}"#);
    assert_eq!(
        r.filter_err("attribute_type(a, :a)"),
        "Invalid FilterExpression: Invalid attribute type name found; type: 1, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"
    );
    assert_eq!(
        r.filter_err("attribute_type(a, b)"),
        "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}"
    );
    for (text, f) in [
        ("attribute_exists(:a) and a=a", "attribute_exists"),
        ("attribute_not_exists(size(:a))", "attribute_not_exists"),
    ] {
        assert_eq!(
            r.filter_err(text),
            format!("Invalid FilterExpression: Operator or function requires a document path; operator or function: {f}")
        );
    }
}

#[test]
fn between_bounds_and_in_lists() {
    let r = req(
        &[],
        r#"{":a": {"S": "a"}, ":b": {"N": "1"}, ":c": {"N": "5"}}"#,
    );
    assert_eq!(
        r.condition("a between :b and :a", ExprKind::KeyCondition).expect_err("types"),
        "Invalid KeyConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:a}"
    );
    assert_eq!(
        r.cond("a between :c and :b").expect_err("order"),
        "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}"
    );
    assert!(r.cond("a between :b and :b").is_ok());
    let list = vec![":b"; 101].join(", ");
    assert_eq!(
        r.filter_err(&format!("a IN ({list})")),
        "Invalid FilterExpression: The IN operator is provided with too many operands; number of operands: 101"
    );
    assert!(r
        .cond(&format!("a IN ({})", vec![":b"; 100].join(", ")))
        .is_ok());
}

#[test]
fn error_precedence() {
    // Unknown function > misused function > reserved word > per-comparison problems.
    let r = plain();
    assert_eq!(
        r.filter_err("status = a AND attribute_exists(x) > foo(y)"),
        "Invalid FilterExpression: Invalid function name; function: foo"
    );
    assert_eq!(
        r.filter_err("status = #a AND contains(x, y) > b"),
        "Invalid FilterExpression: The function is not allowed to be used this way in an expression; function: contains"
    );
    assert_eq!(
        r.filter_err("#a = b AND status = c"),
        "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: status"
    );
    // The first comparison with a problem wins, whatever later ones have.
    let r = req(&[], r#"{":n": {"N": "1"}}"#);
    assert_eq!(
        r.filter_err("begins_with(a, :n) AND b = :missing"),
        "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"
    );
    // Within one comparison, an undefined placeholder beats a type problem.
    assert_eq!(
        r.filter_err("begins_with(:n, :missing)"),
        "Invalid FilterExpression: An expression attribute value used in expression is not defined; attribute value: :missing"
    );
}

#[test]
fn request_level_placeholder_checks() {
    let empty = req(&[], "");
    // Empty maps, when given, are refused before any expression is looked at.
    let names = BTreeMap::new();
    let mut ctx = ExprContext::new(Some(&names), None);
    assert_eq!(
        parse_condition(&mut ctx, "a = b", ExprKind::Condition)
            .expect_err("empty names")
            .message,
        "ExpressionAttributeNames must not be empty"
    );
    let values = BTreeMap::new();
    let mut ctx = ExprContext::new(None, Some(&values));
    assert_eq!(
        parse_projection(&mut ctx, "a")
            .expect_err("empty values")
            .message,
        "ExpressionAttributeValues must not be empty"
    );
    let bad = req(&[("a", "a")], "");
    assert_eq!(
        bad.cond("a = b").expect_err("key"),
        "ExpressionAttributeNames contains invalid key: Syntax error; key: \"a\""
    );
    let bad = req(&[], r#"{"b": {"S": "x"}}"#);
    assert_eq!(
        bad.cond("a = b").expect_err("key"),
        "ExpressionAttributeValues contains invalid key: Syntax error; key: \"b\""
    );
    assert!(empty.ctx().finish().is_ok());

    // Maps given with no expression at all.
    let r = req(&[("#a", "a")], r#"{":v": {"S": "x"}}"#);
    assert_eq!(
        r.ctx().finish().expect_err("no expr").message,
        "ExpressionAttributeNames can only be specified when using expressions"
    );
    let r = req(&[], r#"{":v": {"S": "x"}}"#);
    assert_eq!(
        r.ctx().finish().expect_err("no expr").message,
        "ExpressionAttributeValues can only be specified when using expressions"
    );

    // Unused entries, across all expressions of the request.
    let r = req(
        &[("#a", "a"), ("#b", "b"), ("#c", "c")],
        r#"{":a": {"S": "a"}, ":b": {"S": "b"}, ":c": {"S": "c"}}"#,
    );
    let mut ctx = r.ctx();
    parse_update(
        &mut ctx,
        "remove a set #c = list_append(b, if_not_exists(a, :a))",
    )
    .expect("update");
    parse_condition(&mut ctx, "a = :b", ExprKind::Condition).expect("condition");
    assert_eq!(
        ctx.finish().expect_err("unused").message,
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}"
    );
    let r = req(
        &[],
        r#"{":a": {"S": "a"}, ":b": {"S": "b"}, ":c": {"S": "c"}}"#,
    );
    let mut ctx = r.ctx();
    parse_update(&mut ctx, "remove a").expect("update");
    parse_condition(&mut ctx, "a = :b", ExprKind::Condition).expect("condition");
    assert_eq!(
        ctx.finish().expect_err("unused").message,
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:a, :c}"
    );
    let r = req(&[("#a", "a")], r#"{":b": {"S": "b"}}"#);
    let mut ctx = r.ctx();
    parse_condition(&mut ctx, "#a = :b", ExprKind::Condition).expect("condition");
    assert!(ctx.finish().is_ok());
}

#[test]
fn parameter_combinations() {
    let mixed = check_expression_parameters(
        &[
            ("ProjectionExpression", true),
            ("FilterExpression", true),
            ("KeyConditionExpression", true),
        ],
        &[
            ("AttributesToGet", true),
            ("QueryFilter", true),
            ("ConditionalOperator", true),
            ("KeyConditions", true),
        ],
        true,
        true,
    );
    assert_eq!(
        mixed.expect_err("mixed").message,
        "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet, QueryFilter, ConditionalOperator, KeyConditions} Expression parameters: {ProjectionExpression, FilterExpression, KeyConditionExpression}"
    );
    // KeyConditions only clashes with KeyConditionExpression.
    let mixed = check_expression_parameters(
        &[
            ("ProjectionExpression", true),
            ("FilterExpression", true),
            ("KeyConditionExpression", false),
        ],
        &[
            ("AttributesToGet", true),
            ("QueryFilter", false),
            ("ConditionalOperator", false),
            ("KeyConditions", true),
        ],
        false,
        false,
    );
    assert_eq!(
        mixed.expect_err("mixed").message,
        "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression, FilterExpression}"
    );
    let names = check_expression_parameters(
        &[("ProjectionExpression", false)],
        &[("AttributesToGet", true)],
        true,
        false,
    );
    assert_eq!(
        names.expect_err("names").message,
        "ExpressionAttributeNames can only be specified when using expressions"
    );
    let values = check_expression_parameters(
        &[
            ("ProjectionExpression", true),
            ("FilterExpression", false),
            ("KeyConditionExpression", false),
        ],
        &[],
        false,
        true,
    );
    assert_eq!(
        values.expect_err("values").message,
        "ExpressionAttributeValues can only be specified when using expressions: FilterExpression and KeyConditionExpression are null"
    );
    let values = check_expression_parameters(
        &[("ConditionExpression", false)],
        &[("Expected", true)],
        false,
        true,
    );
    assert_eq!(
        values.expect_err("values").message,
        "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null"
    );
    assert!(check_expression_parameters(
        &[("ConditionExpression", true)],
        &[("Expected", false)],
        true,
        true
    )
    .is_ok());
}
