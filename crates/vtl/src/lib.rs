//! The Velocity Template Language (VTL) as Amazon API Gateway REST APIs use it in mapping
//! templates.
//!
//! REST API integrations transform requests and responses with Velocity 1.7 templates that see
//! API Gateway's variables: `$input` (the body, JSONPath over it, and the request parameters),
//! `$util` (escaping and encoding helpers), `$context`, and `$stageVariables`. Deployed APIs are
//! full of such templates (the console's "Method Request passthrough" among them), so emulating
//! API Gateway locally means rendering them the way AWS does: Velocity 1.7 semantics (null
//! handling, truthiness, Java method behaviour on strings, lists and maps) plus API Gateway's
//! own conventions (undefined `$context` values print as empty, `$input.json` re-serializes,
//! `#set($context.responseOverride.status = 400)` overrides the response).
//!
//! ```
//! use nimbus_vtl::{Scope, Template};
//!
//! let template = Template::parse(r#"{"name": "$input.path('$.name')"}"#).unwrap();
//! let scope = Scope { body: r#"{"name":"nimbus"}"#.into(), ..Scope::default() };
//! assert_eq!(template.render(&scope).unwrap().output, r#"{"name": "nimbus"}"#);
//! ```
//!
//! String methods taking a regular expression (`replaceAll`, `replaceFirst`, `matches`, `split`)
//! accept `java.util.regex` syntax and keep Java's matching, replacement and splitting rules, on
//! top of the [`regex_lite`] engine, whose searches run in linear time. Patterns it cannot express
//! (lookaround, back-references, `\p{...}` classes) fail the render like an invalid pattern
//! fails in Java.
//!
//! Rendering never panics and is bounded (see [`limits`]); over-long, too-deep or too-busy
//! templates fail with a [`RenderError`].

mod apigateway;
mod ast;
mod error;
mod json;
mod jsonpath;
mod lexer;
pub mod limits;
mod methods;
mod ops;
mod parser;
mod render;
mod value;
mod whitespace;

use std::collections::HashSet;

pub use error::{ParseError, RenderError, RenderErrorKind};
pub use json::MAX_JSON_DEPTH;
pub use value::{Map, Value};

/// A parsed template, reusable across renders.
#[derive(Debug, Clone)]
pub struct Template {
    nodes: Vec<ast::Node>,
    assigned: HashSet<String>,
}

/// What a template sees.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Raw request (or integration response) body: `$input.body`, and the document for
    /// `$input.json`/`$input.path`.
    pub body: String,
    /// Path parameters, in order.
    pub path: Vec<(String, String)>,
    pub querystring: Vec<(String, String)>,
    /// Headers as received (original case).
    pub header: Vec<(String, String)>,
    /// The `$context` tree (a [`Value::Map`]), e.g. `context.identity.sourceIp`.
    pub context: Value,
    pub stage_variables: Vec<(String, String)>,
}

/// The result of a render.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rendered {
    pub output: String,
    /// From `#set($context.responseOverride.status = 400)`.
    pub status_override: Option<u16>,
    /// From `#set($context.responseOverride.header.X-Foo = "bar")`, in the order first set.
    pub header_overrides: Vec<(String, String)>,
    /// From `#set($context.requestOverride.<kind>.<name> = ...)`: `(kind, name, value)` with
    /// kind `"header"`, `"querystring"` or `"path"`.
    pub request_overrides: Vec<(String, String, String)>,
}

impl Template {
    pub fn parse(source: &str) -> Result<Template, ParseError> {
        let chars: Vec<char> = source.chars().collect();
        let nodes = parser::parse_nodes(&chars, ast::Pos { line: 1, column: 1 }, 0)?;
        let mut assigned = HashSet::new();
        parser::assigned_names(&nodes, &mut assigned);
        Ok(Template { nodes, assigned })
    }

    pub fn render(&self, scope: &Scope) -> Result<Rendered, RenderError> {
        let mut renderer = render::Renderer::new(scope, &self.assigned);
        let mut output = String::new();
        // `#stop`, and `#break` outside a loop, end the template with what it printed so far.
        renderer.render_nodes(&self.nodes, &mut output)?;
        let context = renderer.vars.remove("context").unwrap_or_default();
        let overrides = apigateway::overrides(&context);
        Ok(Rendered {
            output,
            status_override: overrides.status,
            header_overrides: overrides.headers,
            request_overrides: overrides.request,
        })
    }
}
