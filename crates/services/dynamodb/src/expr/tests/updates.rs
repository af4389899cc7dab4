//! Parsing, checking and applying update expressions.

use super::*;

/// Applies `text` (with `values`) to `on` and returns the new item and the updated paths.
fn apply(
    text: &str,
    names: &[(&str, &str)],
    values: &str,
    on: &str,
) -> Result<(Item, Vec<String>), String> {
    let r = req(names, values);
    let update = r.update(text).expect(text);
    let mut it = item(on);
    let paths = update.apply(&mut it).map_err(|e| e.message)?;
    Ok((it, paths.iter().map(|p| p.to_string()).collect()))
}

fn applied(text: &str, values: &str, on: &str) -> Item {
    apply(text, &[], values, on).expect(text).0
}

#[test]
fn syntax_errors() {
    for text in [
        "whatever",
        "set a",
        "add a",
        "delete a",
        "set a=set",
        "remove a = b",
        "add a = b",
        "delete a = b",
        "delete a b",
        "delete a if_not_exist(b)",
        "add abort b",
        "add a if_not_exist(b)",
        "remove a b",
        "set a b",
        "set :a = b",
        "add :a b",
        "delete :a b",
        "remove :a",
        "set a = b / c",
        "set a = b * c",
        "set a[1] = \"eight\"",
        "set a[1] = 1",
        "SET a = if_not_exist(a, 100)",
        "SET if_not_exist(a, b) = a",
        "set (a = (b + c))",
        "set a = (b.c).d + e",
        "set a = (b.c)[0] + e",
        "set a = b + c + d",
        "SET a = :v,",
        "SET a = :v, REMOVE b",
    ] {
        let e = plain().update_err(text);
        assert!(
            e.starts_with("Invalid UpdateExpression: Syntax error; token: "),
            "{text}: {e}"
        );
    }
    // Captured from DynamoDB.
    assert_eq!(
        plain().update_err("ADD hits : incr"),
        r#"Invalid UpdateExpression: Syntax error; token: ":", near: "hits : incr""#
    );
    assert_eq!(
        plain().update_err("SET"),
        r#"Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "SET""#
    );
    assert_eq!(
        plain().update_err("ADD numx"),
        r#"Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "numx""#
    );
    assert_eq!(
        plain().update_err("INVALID SYNTAX HERE"),
        r#"Invalid UpdateExpression: Syntax error; token: "INVALID", near: "INVALID SYNTAX""#
    );
    assert_eq!(
        plain().update_err("SET path = VALUE 1"),
        r#"Invalid UpdateExpression: Syntax error; token: "1", near: "VALUE 1""#
    );
}

#[test]
fn accepts_every_form() {
    let r = req(
        &[("#n", "name")],
        r#"{":v": {"N": "1"}, ":l": {"L": []}, ":s": {"SS": ["a"]}}"#,
    );
    for text in [
        "SET a = :v",
        "set a = :v, b.c[1] = a remove d, e[0] add f :v delete g :s",
        "REMOVE x SET a = a + :v",
        "SET a = (a - :v)",
        "SET a = (a) + (:v)",
        "SET #n = if_not_exists(#n, :v) + :v",
        "SET a = list_append(if_not_exists(a, :l), :l)",
        "SET a = list_append(:l, a)",
        "  set   a=:v  ",
    ] {
        assert!(r.update(text).is_ok(), "{text}: {:?}", r.update(text));
    }
}

#[test]
fn semantic_errors_in_dynamodb_order() {
    let r = req(
        &[("#a", "a"), ("#b", "b")],
        r#"{":a": {"S": "a"}, ":b": {"S": "a"}}"#,
    );
    assert_eq!(
        r.update_err(" set #c = :c set abOrt = true "),
        "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: abOrt"
    );
    assert_eq!(r.update_err(" remove Absolute "), "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: Absolute");
    assert_eq!(
        r.update_err("set #c = if_not_exist(:c) set c = d"),
        "Invalid UpdateExpression: Invalid function name; function: if_not_exist"
    );
    for (text, section) in [
        ("set a = #c set c = :d", "SET"),
        ("remove #d set a = b remove e", "REMOVE"),
        ("add #d :e set a = b add e :f", "ADD"),
        ("delete #d :e set a = b delete #e :f", "DELETE"),
    ] {
        assert_eq!(
            r.update_err(text),
            format!("Invalid UpdateExpression: The \"{section}\" section can only be used once in an update expression;")
        );
    }
    assert_eq!(
        r.update_err("SET #c = if_not_exists(:c)"),
        "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #c"
    );
    assert_eq!(
        r.update_err("SET #a = if_not_exists(:c)"),
        "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :c"
    );
    // Undefined names outrank undefined values whatever their order.
    assert_eq!(
        r.update_err("SET a = :c, #c = b"),
        "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #c"
    );
}

#[test]
fn overlapping_and_conflicting_paths() {
    let r = req(&[("#b", "b"), ("#c", "c"), ("#d", "[3]")], "");
    for (text, one, two) in [
        (
            "set d[1] = a, d.b = a, c[1].a = a, #c = if_not_exists(a)",
            "[c, [1], a]",
            "[c]",
        ),
        ("set #c[3].#d = a, #c[3] = a", "[c, [3], [3]]", "[c, [3]]"),
        ("set a = b remove a", "[a]", "[a]"),
    ] {
        assert_eq!(
            r.update_err(text),
            format!("Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {one}, path two: {two}")
        );
    }
    for (text, one, two) in [
        (
            "set #c[3].#d = a, #c.#d[3] = if_not_exists(a)",
            "[c, [3], [3]]",
            "[c, [3], [3]]",
        ),
        ("remove a.#c set a[1] = #d", "[a, c]", "[a, [1]]"),
    ] {
        assert_eq!(
            r.update_err(text),
            format!("Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: {one}, path two: {two}")
        );
    }
}

#[test]
fn operand_types() {
    for (text, value, op, ty) in [
        (
            "set b = list_append(:a, a), c = if_not_exists(a) add a.b :a",
            r#"{"S": "a"}"#,
            "ADD",
            "STRING",
        ),
        ("delete a.b :a", r#"{"S": "a"}"#, "DELETE", "STRING"),
        ("add a.b :a", r#"{"NULL": true}"#, "ADD", "NULL"),
        ("add a.b :a", r#"{"BOOL": false}"#, "ADD", "BOOLEAN"),
        ("delete a.b :a", r#"{"B": "YQ=="}"#, "DELETE", "BINARY"),
        ("add a.b :a", r#"{"M": {}}"#, "ADD", "MAP"),
        ("add a.b :a", r#"{"L": [{"N": "1"}]}"#, "ADD", "LIST"),
        ("delete a.b :a", r#"{"N": "1"}"#, "DELETE", "NUMBER"),
    ] {
        let r = req(&[], &format!(r#"{{":a": {value}, ":b": {{"S": "a"}}}}"#));
        assert_eq!(
            r.update_err(text),
            format!("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: {op}, operand type: {ty}"),
            "{text}"
        );
    }
    let r = req(
        &[],
        r#"{":a": {"S": "a"}, ":b": {"N": "1"}, ":c": {"B": "YQ=="}, ":d": {"BOOL": true}, ":j": {"L": []}}"#,
    );
    for (text, f, ty) in [
        ("set a = list_append(:a, a)", "list_append", "S"),
        ("set a = list_append(a, :b)", "list_append", "N"),
        ("set a = a + :a", "+", "S"),
        ("set a = :a + :c", "+", "S"),
        ("set a = :c + a", "+", "B"),
        ("set a = a - :d", "-", "BOOL"),
        ("set a = a - :j", "-", "L"),
    ] {
        assert_eq!(
            r.update_err(text),
            format!("Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: {f}, operand type: {ty}"),
            "{text}"
        );
    }
    for (text, f, n) in [
        ("set a = if_not_exists(c)", "if_not_exists", 1),
        ("set a = list_append(c)", "list_append", 1),
    ] {
        assert_eq!(
            r.update_err(text),
            format!("Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: {f}, number of operands: {n}")
        );
    }
    for text in [
        "set a = if_not_exists(:a, c)",
        "set a = if_not_exists(if_not_exists(a, b), c)",
    ] {
        assert_eq!(
            r.update_err(text),
            "Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists"
        );
    }
    assert_eq!(
        plain().update_err(""),
        "Invalid UpdateExpression: The expression can not be empty;"
    );
}

#[test]
fn set_values() {
    let v = r#"{":one": {"N": "1"}, ":pt": {"N": "0.1"}, ":l": {"L": [{"S": "z"}]}, ":s": {"S": "new"}}"#;
    let it = applied(
        "SET n = n + :pt, m = n - :one, c = if_not_exists(c, :one), d = if_not_exists(s, :s), l2 = list_append(l, :l), l3 = list_append(:l, l)",
        v,
        r#"{"n": {"N": "0.2"}, "s": {"S": "old"}, "l": {"L": [{"S": "a"}]}}"#,
    );
    assert_eq!(
        it,
        item(
            r#"{"n": {"N": "0.3"}, "m": {"N": "-0.8"}, "c": {"N": "1"}, "d": {"S": "old"}, "s": {"S": "old"},
                "l": {"L": [{"S": "a"}]}, "l2": {"L": [{"S": "a"}, {"S": "z"}]}, "l3": {"L": [{"S": "z"}, {"S": "a"}]}}"#
        )
    );
    // Operands read the item as it was before the update.
    let it = applied(
        "SET a = b, b = a",
        "",
        r#"{"a": {"S": "1"}, "b": {"S": "2"}}"#,
    );
    assert_eq!(it, item(r#"{"a": {"S": "2"}, "b": {"S": "1"}}"#));
}

#[test]
fn nested_paths() {
    let on = r#"{"m": {"M": {"x": {"N": "1"}}}, "l": {"L": [{"S": "a"}, {"S": "b"}, {"S": "c"}]}}"#;
    let v = r#"{":v": {"S": "v"}, ":w": {"S": "w"}}"#;
    assert_eq!(
        applied("SET m.y = :v, m.x = :w, l[1] = :v", v, on),
        item(
            r#"{"m": {"M": {"x": {"S": "w"}, "y": {"S": "v"}}}, "l": {"L": [{"S": "a"}, {"S": "v"}, {"S": "c"}]}}"#
        )
    );
    // Past the end of a list, SET appends (in index order).
    assert_eq!(
        applied("SET l[10] = :w, l[7] = :v", v, on),
        item(
            r#"{"m": {"M": {"x": {"N": "1"}}}, "l": {"L": [{"S": "a"}, {"S": "b"}, {"S": "c"}, {"S": "v"}, {"S": "w"}]}}"#
        )
    );
    // REMOVE indexes refer to the list before the update.
    assert_eq!(
        applied("REMOVE l[0], l[2], l[9], m.x, nothing", "", on),
        item(r#"{"m": {"M": {}}, "l": {"L": [{"S": "b"}]}}"#)
    );
}

#[test]
fn add_and_delete() {
    let v = r#"{":n": {"N": "5"}, ":ss": {"SS": ["b", "c"]}, ":ns": {"NS": ["1", "3"]}, ":rm": {"SS": ["a", "b"]}}"#;
    let on = r#"{"cnt": {"N": "-2"}, "tags": {"SS": ["a", "b"]}, "nums": {"NS": ["1"]}}"#;
    assert_eq!(
        applied(
            "ADD cnt :n, fresh :n, tags :ss, nums :ns, newset :ss",
            v,
            on
        ),
        item(
            r#"{"cnt": {"N": "3"}, "fresh": {"N": "5"}, "tags": {"SS": ["a", "b", "c"]}, "nums": {"NS": ["1", "3"]}, "newset": {"SS": ["b", "c"]}}"#
        )
    );
    // Deleting every element removes the attribute; deleting from nothing does nothing.
    assert_eq!(
        applied("DELETE tags :rm, ghost :rm", v, on),
        item(r#"{"cnt": {"N": "-2"}, "nums": {"NS": ["1"]}}"#)
    );
    assert_eq!(
        applied("DELETE tags :ss", v, on),
        item(r#"{"cnt": {"N": "-2"}, "tags": {"SS": ["a"]}, "nums": {"NS": ["1"]}}"#)
    );
}

#[test]
fn runtime_errors_leave_the_item_alone() {
    let existing = r#"{"a": {"S": "key"}, "b": {"M": {"a": {"SS": ["1"]}}}, "c": {"N": "1"}, "d": {"NS": ["1"]}, "s": {"S": "x"},
                      "mp": {"M": {"1": {"S": "a"}}}, "lst": {"L": [{"S": "a"}, {"S": "b"}]}}"#;
    let bad_type = "An operand in the update expression has an incorrect data type";
    for (text, values) in [
        ("delete d :a", r#"{":a": {"SS": ["1"]}}"#),
        ("delete b :a", r#"{":a": {"NS": ["1"]}}"#),
        ("delete b.a :a", r#"{":a": {"NS": ["1"]}}"#),
        ("delete c :a", r#"{":a": {"NS": ["1"]}}"#),
        ("add b :a", r#"{":a": {"NS": ["1"]}}"#),
        ("add d :a", r#"{":a": {"N": "1"}}"#),
        ("set e = a + :a", r#"{":a": {"N": "1"}}"#),
        ("set e = b - :a", r#"{":a": {"N": "1"}}"#),
        (
            "set e = list_append(d, if_not_exists(f, :a))",
            r#"{":a": {"L": []}}"#,
        ),
    ] {
        assert_eq!(
            apply(text, &[], values, existing).expect_err(text),
            bad_type,
            "{text}"
        );
    }
    let missing = "The provided expression refers to an attribute that does not exist in the item";
    for text in ["set x = nope", "set e = list_append(nope, c)"] {
        assert_eq!(apply(text, &[], "", existing).expect_err(text), missing);
    }
    let bad_path = "The document path provided in the update expression is invalid for update";
    for text in [
        "set s.a = :a",
        "set s[1] = :a",
        "set y.a = :a",
        "set y[1] = :a",
        "set mp[1] = :a",
        "set lst.#1 = :a",
        "remove s.a",
        "remove y.a",
        "remove mp[1]",
        "remove lst.#1",
        "remove y[1]",
        "delete s.a :a",
        "delete y[1] :a",
        "delete lst.#1 :a",
        "add y.a :a",
        "add mp[1] :a",
    ] {
        let r = apply(text, &[("#1", "1")], r#"{":a": {"SS": ["a"]}}"#, existing);
        assert_eq!(r.expect_err(text), bad_path, "{text}");
    }
    let overflow = apply(
        "SET c = c + :big",
        &[],
        r#"{":big": {"N": "9.99e125"}}"#,
        r#"{"c": {"N": "9.99e125"}}"#,
    );
    assert_eq!(
        overflow.expect_err("overflow"),
        "Number overflow. Attempting to store a number with magnitude larger than supported range"
    );
    // A failed update changes nothing, even the parts that ran.
    let r = req(&[], r#"{":v": {"S": "v"}}"#);
    let update = r.update("SET fine = :v, s.bad = :v").expect("parses");
    let mut it = item(existing);
    assert!(update.apply(&mut it).is_err());
    assert_eq!(it, item(existing));
}

#[test]
fn reports_updated_paths() {
    let (_, paths) = apply(
        "SET a.b = :v REMOVE c ADD n :one",
        &[],
        r#"{":v": {"S": "v"}, ":one": {"N": "1"}}"#,
        r#"{"a": {"M": {}}, "c": {"S": "x"}}"#,
    )
    .expect("applies");
    assert_eq!(paths, ["[a, b]", "[c]", "[n]"]);
}

#[test]
fn key_attributes_cannot_be_updated() {
    let is_key = |name: &str| name == "pk" || name == "sk";
    let r = req(
        &[("#k", "sk")],
        r#"{":v": {"N": "1"}, ":s": {"NS": ["1"]}}"#,
    );
    for text in [
        "SET pk = :v",
        "ADD pk.b :v",
        "REMOVE d SET b = :v, #k = :v",
        "DELETE b :s REMOVE sk",
    ] {
        let update = r.update(text).expect(text);
        let e = update
            .check_key_attributes(&is_key)
            .expect_err(text)
            .message;
        assert!(
            e == "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"
                || e == "One or more parameter values were invalid: Cannot update attribute sk. This attribute is part of the key",
            "{text}: {e}"
        );
    }
    let update = r.update("SET a = pk.x").expect("parses");
    assert_eq!(
        update.check_key_attributes(&is_key).expect_err("nested").message,
        "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: pk"
    );
    assert!(r
        .update("SET a = pk, b = :v")
        .expect("parses")
        .check_key_attributes(&is_key)
        .is_ok());
}
