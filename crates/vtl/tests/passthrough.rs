#![allow(clippy::unwrap_used)]

mod common;
use common::*;

const PASSTHROUGH: &str = r#"##  See http://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
##  This template will pass through all parameters including path, querystring, header, stage variables, and context through to the integration endpoint via the body/payload
#set($allParams = $input.params())
{
"bodyJson" : $input.json('$'),
"params" : {
#foreach($type in $allParams.keySet())
    #set($params = $allParams.get($type))
"$type" : {
    #foreach($paramName in $params.keySet())
    "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
        #if($foreach.hasNext),#end
    #end
}
    #if($foreach.hasNext),#end
#end
},
"stage-variables" : {
#foreach($key in $stageVariables.keySet())
"$key" : "$util.escapeJavaScript($stageVariables.get($key))"
    #if($foreach.hasNext),#end
#end
},
"context" : {
    "account-id" : "$context.identity.accountId",
    "api-id" : "$context.apiId",
    "http-method" : "$context.httpMethod",
    "stage" : "$context.stage",
    "source-ip" : "$context.identity.sourceIp",
    "user-agent" : "$context.identity.userAgent",
    "request-id" : "$context.requestId",
    "resource-id" : "$context.resourceId",
    "resource-path" : "$context.resourcePath"
    }
}
"#;

#[test]
fn method_request_passthrough_renders_valid_json() {
    let scope = Scope {
        body: r#"{"key":"value"}"#.to_string(),
        header: pairs(&[
            ("Accept", "*/*"),
            ("content-type", "application/json"),
            ("Host", "abc.execute-api.localhost"),
        ]),
        context: json(
            r#"{"apiId":"a1b2c3","httpMethod":"POST","stage":"api",
                "identity":{"sourceIp":"127.0.0.1","userAgent":"curl/8"},
                "requestId":"req-1","resourceId":"res-1","resourcePath":"/"}"#,
        ),
        ..Scope::default()
    };
    let out = render(PASSTHROUGH, &scope);
    println!("{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["bodyJson"], serde_json::json!({"key": "value"}));
    assert_eq!(v["params"]["path"], serde_json::json!({}));
    assert_eq!(v["params"]["querystring"], serde_json::json!({}));
    assert_eq!(
        v["params"]["header"],
        serde_json::json!({
            "Accept": "*/*",
            "content-type": "application/json",
            "Host": "abc.execute-api.localhost"
        })
    );
    assert_eq!(v["stage-variables"], serde_json::json!({}));
    assert_eq!(v["context"]["account-id"], "");
    assert_eq!(v["context"]["api-id"], "a1b2c3");
    assert_eq!(v["context"]["http-method"], "POST");
    assert_eq!(v["context"]["stage"], "api");
    assert_eq!(v["context"]["source-ip"], "127.0.0.1");
    assert_eq!(v["context"]["user-agent"], "curl/8");
    assert_eq!(v["context"]["request-id"], "req-1");
    assert_eq!(v["context"]["resource-id"], "res-1");
    assert_eq!(v["context"]["resource-path"], "/");
    // The param keys come out in the order API Gateway uses.
    let params = v["params"].as_object().unwrap();
    assert_eq!(params.len(), 3);
}

#[test]
fn passthrough_with_params_and_stage_variables() {
    let scope = Scope {
        body: String::new(),
        path: pairs(&[("id", "42")]),
        querystring: pairs(&[("q", "it's \"quoted\""), ("page", "2")]),
        header: pairs(&[("X-A", "1")]),
        stage_variables: pairs(&[("env", "dev"), ("region", "local")]),
        context: json(r#"{"stage":"dev","identity":{}}"#),
    };
    let out = render(PASSTHROUGH, &scope);
    // escapeJavaScript turns ' into \' which JSON rejects, exactly as on AWS; undo it to check
    // the rest of the structure.
    let fixed = out.replace("\\'", "'");
    let v: serde_json::Value = serde_json::from_str(&fixed).unwrap();
    assert_eq!(v["bodyJson"], serde_json::json!({}));
    assert_eq!(v["params"]["path"]["id"], "42");
    assert_eq!(v["params"]["querystring"]["q"], "it's \"quoted\"");
    assert_eq!(v["params"]["querystring"]["page"], "2");
    assert_eq!(
        v["stage-variables"],
        serde_json::json!({"env": "dev", "region": "local"})
    );
    assert_eq!(v["context"]["api-id"], "");
}
