#![allow(clippy::unwrap_used)]

mod common;
use common::*;

const ERROR_BODY: &str =
    r#"{"errorMessage":"Not found: \"x\"","errorType":"NotFound","stackTrace":["a","b"]}"#;

#[test]
fn input_body_and_json() {
    let scope =
        body(r#"{ "a": { "b": [1, 2.5, "s", null, true] }, "z": "last", "o": {"k": "v"} }"#);
    assert_eq!(render("$input.body", &scope), scope.body);
    assert_eq!(
        render("$input.json('$')", &scope),
        r#"{"a":{"b":[1,2.5,"s",null,true]},"z":"last","o":{"k":"v"}}"#
    );
    assert_eq!(render("$input.json('$.z')", &scope), r#""last""#);
    assert_eq!(render("$input.json('$.a.b[1]')", &scope), "2.5");
    assert_eq!(
        render("$input.json('$.a.b')", &scope),
        r#"[1,2.5,"s",null,true]"#
    );
    assert_eq!(render("$input.json(\"$.o\")", &scope), r#"{"k":"v"}"#);
    assert_eq!(render("$input.json('$.o.k')", &scope), r#""v""#);
    assert_eq!(render("$input.json('$..k')", &scope), r#"["v"]"#);
    assert_eq!(render("[$input.json('$.missing')]", &scope), "[]");
}

#[test]
fn input_json_on_empty_and_invalid_bodies() {
    assert_eq!(render("$input.json('$')", &body("")), "{}");
    assert_eq!(render("$input.json('$')", &body("  \n")), "{}");
    let e = render_err("a\n  $input.json('$')", &body("not json"));
    assert_eq!(e.kind, RenderErrorKind::InvalidJson);
    assert_eq!((e.line, e.column), (2, 3));
    assert!(e.to_string().contains("Invalid JSON"), "{e}");
    // The raw body is still there for non-JSON templates.
    assert_eq!(
        render("$input.body|$input.path('$')", &body("a=1&b=2")),
        "a=1&b=2|a=1&b=2"
    );
}

#[test]
fn input_path_gives_objects() {
    let scope =
        body(r#"{"items":[{"id":1,"name":"a"},{"id":2,"name":"b"}],"count":2,"meta":{"x":"y"}}"#);
    assert_eq!(render("$input.path('$').size()", &scope), "3");
    assert_eq!(render("$input.path('$.count')", &scope), "2");
    assert_eq!(render("$input.path('$.items').size()", &scope), "2");
    assert_eq!(render("$input.path('$.items[1].name')", &scope), "b");
    assert_eq!(render("$input.path('$.items[*].id')", &scope), "[1, 2]");
    assert_eq!(render("$input.path('$.meta')", &scope), "{x=y}");
    assert_eq!(render("$input.path('$').meta.x", &scope), "y");
    let t = "#foreach($item in $input.path('$.items'))$item.id:$item.name#if($foreach.hasNext),#end#end";
    assert_eq!(render(t, &scope), "1:a,2:b");
    let t = "#set($root = $input.path('$'))#foreach($i in [0..1])$root.items[$i].name#end";
    assert_eq!(render(t, &scope), "ab");
    let t = "#foreach($i in [0..1])$input.path(\"$.items[$i].id\")#end";
    assert_eq!(render(t, &scope), "12");
}

#[test]
fn response_template_idioms() {
    let scope = body(ERROR_BODY);
    let t = "#set($inputRoot = $input.path('$'))\n{\n  \"message\": \"$util.escapeJavaScript($inputRoot.errorMessage)\",\n  \"type\": \"$inputRoot.errorType\"\n}";
    let out = render(t, &scope);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["message"], "Not found: \"x\"");
    assert_eq!(v["type"], "NotFound");

    let out = render("{\"error\": $input.json('$.errorMessage')}", &scope);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["error"], "Not found: \"x\"");

    let t = "#set($context.responseOverride.status = 404)\n#set($context.responseOverride.header.X-Error-Type = $input.path('$.errorType'))\n{\"ok\": false}";
    let rendered = full(t, &scope);
    assert_eq!(rendered.output, "{\"ok\": false}");
    assert_eq!(rendered.status_override, Some(404));
    assert_eq!(
        rendered.header_overrides,
        pairs(&[("X-Error-Type", "NotFound")])
    );
}

#[test]
fn overrides() {
    let scope = Scope {
        context: json(r#"{"responseOverride":{"header":{}},"requestOverride":{}}"#),
        ..Scope::default()
    };
    let t = r#"#set($context.responseOverride.status = "201")
#set($context.responseOverride.header.X-Foo = "bar")
#set($context.responseOverride.header.X-Count = 3)
#set($context.requestOverride.header.X-Up = "up")
#set($context.requestOverride.querystring.page = "2")
#set($context.requestOverride.path.id = "7")
done"#;
    let rendered = full(t, &scope);
    assert_eq!(rendered.output, "done");
    assert_eq!(rendered.status_override, Some(201));
    assert_eq!(
        rendered.header_overrides,
        pairs(&[("X-Foo", "bar"), ("X-Count", "3")])
    );
    assert_eq!(
        rendered.request_overrides,
        vec![
            ("header".into(), "X-Up".into(), "up".into()),
            ("querystring".into(), "page".into(), "2".into()),
            ("path".into(), "id".into(), "7".into()),
        ]
    );
    // Without the override maps in the context (or without a context at all) they are created.
    let rendered = full(
        "#set($context.responseOverride.status = 400)",
        &Scope::default(),
    );
    assert_eq!(rendered.status_override, Some(400));
    assert_eq!(
        full("plain", &Scope::default()),
        Rendered {
            output: "plain".into(),
            ..Rendered::default()
        }
    );
    assert_eq!(
        full("$context.responseOverride.status", &Scope::default()).output,
        ""
    );
}

#[test]
fn params() {
    let scope = Scope {
        path: pairs(&[("id", "p1"), ("shared", "from-path")]),
        querystring: pairs(&[("q", "search"), ("shared", "from-query")]),
        header: pairs(&[("X-Custom", "h1"), ("Accept", "*/*")]),
        ..Scope::default()
    };
    assert_eq!(
        render(
            "$input.params('id')|$input.params('q')|$input.params('shared')",
            &scope
        ),
        "p1|search|from-path"
    );
    assert_eq!(
        render(
            "$input.params('x-custom')|$input.params('X-CUSTOM')|[$input.params('nope')]",
            &scope
        ),
        "h1|h1|[]"
    );
    assert_eq!(
        render("$input.params().header.get('Accept')", &scope),
        "*/*"
    );
    assert_eq!(
        render("[$input.params().header.get('accept')]", &scope),
        "[]"
    );
    assert_eq!(
        render(
            "$input.params().path.id $input.params().querystring.q",
            &scope
        ),
        "p1 search"
    );
    assert_eq!(
        render("$input.params().keySet()", &scope),
        "[path, querystring, header]"
    );
    assert_eq!(
        render("$input.params().header.keySet()", &scope),
        "[X-Custom, Accept]"
    );
    assert_eq!(
        render("$input.params().path", &scope),
        "{id=p1, shared=from-path}"
    );
}

#[test]
fn stage_variables() {
    let scope = Scope {
        stage_variables: pairs(&[("lambdaAlias", "live"), ("url", "http://x")]),
        ..Scope::default()
    };
    assert_eq!(
        render(
            "$stageVariables.lambdaAlias $stageVariables.get('url') $stageVariables.keySet()",
            &scope
        ),
        "live http://x [lambdaAlias, url]"
    );
    assert_eq!(render("${stageVariables.lambdaAlias}", &scope), "live");
}

#[test]
fn context_values() {
    let scope = Scope {
        context: json(
            r#"{"requestId":"r-1","authorizer":{"claims":{"sub":"u1"},"principalId":"me"},"identity":{"sourceIp":"1.2.3.4"},"requestTimeEpoch":1700000000000}"#,
        ),
        ..Scope::default()
    };
    assert_eq!(render("$context.requestId $context.authorizer.claims.sub $context.authorizer.principalId $context.identity.sourceIp $context.requestTimeEpoch", &scope), "r-1 u1 me 1.2.3.4 1700000000000");
    assert_eq!(render("$context.authorizer.claims['sub']", &scope), "u1");
}

#[test]
fn util_functions() {
    let scope = body(r#"{"s":"it's \"q\" \\ /"}"#);
    assert_eq!(
        render("$util.escapeJavaScript($input.path('$.s'))", &scope),
        r#"it\'s \"q\" \\ \/"#
    );
    // Velocity keeps backslashes in string literals, so they get escaped too.
    assert_eq!(r(r#"$util.escapeJavaScript("a\"b")"#), r#"a\\\"b"#);
    let scope = body("{\"s\":\"line1\\nline2\\ttab é\"}");
    assert_eq!(
        render("$util.escapeJavaScript($input.path('$.s'))", &scope),
        "line1\\nline2\\ttab \\u00E9"
    );
    assert_eq!(r("$util.urlEncode('a b&c=d/é')"), "a+b%26c%3Dd%2F%C3%A9");
    assert_eq!(r("$util.urlDecode('a+b%26c')"), "a b&c");
    assert_eq!(r("$util.base64Encode('hello world')"), "aGVsbG8gd29ybGQ=");
    assert_eq!(r("$util.base64Decode('aGVsbG8gd29ybGQ=')"), "hello world");
    assert_eq!(
        r("#set($o = $util.parseJson('{\"a\":[1,{\"b\":\"c\"}]}'))$o.a[1].b $o.a.size()"),
        "c 2"
    );
    let scope = body(r#"{"payload":"{\"inner\":true}"}"#);
    assert_eq!(
        render("$util.parseJson($input.path('$.payload')).inner", &scope),
        "true"
    );
    let e = render_err("$util.parseJson('{bad')", &Scope::default());
    assert_eq!(e.kind, RenderErrorKind::InvalidJson);
    assert!(render_err("$util.urlDecode('%')", &Scope::default())
        .message
        .contains("URLDecoder"));
    assert_eq!(
        r("[$util.noSuch('x')][$util.escapeJavaScript($missing)]"),
        "[][]"
    );
}

#[test]
fn kinesis_style_template() {
    let scope = body(r#"{"records":[{"data":{"a":1},"key":"k1"},{"data":"two","key":"k2"}]}"#);
    let t = r##"{
    "StreamName": "stream-1",
    "Records": [
        #set( $numRecords = $input.path('$.records').size() )
        #if($numRecords > 0)
        #set( $maxIndex = $numRecords - 1 )
        #foreach( $idx in [0..$maxIndex] )
        #set( $elem = $input.path("$.records[${idx}]") )
        #set( $elemJsonB64 = $util.base64Encode($input.json("$.records[${idx}].data")) )
        {
            "Data": "$elemJsonB64",
            "PartitionKey": "$elem.key"
        }#if($foreach.hasNext),#end
        #end
        #end
    ]
}"##;
    let out = render(t, &scope);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let records = v["Records"].as_array().unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["Data"], "eyJhIjoxfQ==");
    assert_eq!(records[1]["Data"], "InR3byI=");
    assert_eq!(records[1]["PartitionKey"], "k2");
}

#[test]
fn dynamodb_style_template() {
    let scope = Scope {
        body: r#"{"name":"Ann","tags":["a","b"]}"#.into(),
        path: pairs(&[("id", "u-1")]),
        ..Scope::default()
    };
    let t = r##"#set($body = $input.path('$'))
{
  "TableName": "users",
  "Item": {
    "id": {"S": "$input.params('id')"},
    "name": {"S": "$util.escapeJavaScript($body.name)"},
    "tags": {"SS": [#foreach($t in $body.tags)"$t"#if($foreach.hasNext), #end#end]}
    #if($body.age),"age": {"N": "$body.age"}#end
  }
}"##;
    let out = render(t, &scope);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["Item"]["id"]["S"], "u-1");
    assert_eq!(v["Item"]["name"]["S"], "Ann");
    assert_eq!(v["Item"]["tags"]["SS"], serde_json::json!(["a", "b"]));
    assert!(v["Item"].get("age").is_none());
}

#[test]
fn scope_is_not_changed_and_template_is_reusable() {
    let t = Template::parse(
        "#set($context.stage = 'changed')#set($d = $stageVariables.put('x', 'y'))$context.stage",
    )
    .unwrap();
    let scope = Scope {
        context: json(r#"{"stage":"prod"}"#),
        ..Scope::default()
    };
    assert_eq!(t.render(&scope).unwrap().output, "changed");
    assert_eq!(t.render(&scope).unwrap().output, "changed");
    assert_eq!(scope.context, json(r#"{"stage":"prod"}"#));
}
