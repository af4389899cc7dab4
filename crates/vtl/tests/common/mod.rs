#![allow(dead_code, unused_imports, clippy::unwrap_used)]

pub use nimbus_vtl::{
    Map, ParseError, RenderError, RenderErrorKind, Rendered, Scope, Template, Value,
};

pub fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn json(text: &str) -> Value {
    Value::from_json(text).unwrap()
}

pub fn full(template: &str, scope: &Scope) -> Rendered {
    match Template::parse(template) {
        Ok(t) => match t.render(scope) {
            Ok(r) => r,
            Err(e) => panic!("render failed: {e}"),
        },
        Err(e) => panic!("parse failed: {e}"),
    }
}

pub fn render(template: &str, scope: &Scope) -> String {
    full(template, scope).output
}

/// Renders with an empty scope.
pub fn r(template: &str) -> String {
    render(template, &Scope::default())
}

pub fn body(text: &str) -> Scope {
    Scope {
        body: text.to_string(),
        ..Scope::default()
    }
}

pub fn render_err(template: &str, scope: &Scope) -> RenderError {
    match Template::parse(template) {
        Ok(t) => match t.render(scope) {
            Ok(r) => panic!("expected a render error, got {:?}", r.output),
            Err(e) => e,
        },
        Err(e) => panic!("parse failed: {e}"),
    }
}

pub fn parse_err(template: &str) -> ParseError {
    match Template::parse(template) {
        Ok(_) => panic!("expected a parse error for {template:?}"),
        Err(e) => e,
    }
}
