//! One request on its way through a REST API: what mapping templates, parameter mappings and
//! gateway responses read from it.

use std::collections::BTreeMap;

use nimbus_frontdoor::{v2::percent_decode, HttpRequest};
use serde_json::Value;

pub struct Call<'a> {
    pub req: &'a HttpRequest,
    /// The request's headers with their names in the canonical `Title-Case` clients send:
    /// nimbus's HTTP stack lower-cases names, REST APIs show them as sent.
    pub headers: Vec<(String, String)>,
    /// The query string, decoded.
    pub query: Vec<(String, String)>,
    pub path_params: BTreeMap<String, String>,
    pub stage_variables: BTreeMap<String, String>,
    /// The `$context` tree.
    pub context: Value,
}

/// `content-type` → `Content-Type`.
pub fn title_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        out.push(if upper { c.to_ascii_uppercase() } else { c });
        upper = c == '-';
    }
    out
}

pub fn decoded_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                percent_decode(&k.replace('+', " ")),
                percent_decode(&v.replace('+', " ")),
            )
        })
        .collect()
}

fn pairs(map: &BTreeMap<String, String>) -> Vec<(String, String)> {
    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

impl Call<'_> {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// What a template sees; `body` is the request's or, in response templates, the
    /// integration's.
    pub fn scope(&self, body: String, error: Option<Value>) -> nimbus_vtl::Scope {
        let mut context = self.context.clone();
        if let (Some(e), Value::Object(map)) = (error, &mut context) {
            map.insert("error".into(), e);
        }
        nimbus_vtl::Scope {
            body,
            path: pairs(&self.path_params),
            querystring: self.query.clone(),
            header: self.headers.clone(),
            context: nimbus_vtl::Value::from(context),
            stage_variables: pairs(&self.stage_variables),
        }
    }

    pub fn render(
        &self,
        template: &str,
        body: String,
        error: Option<Value>,
    ) -> Result<nimbus_vtl::Rendered, String> {
        let t = nimbus_vtl::Template::parse(template).map_err(|e| e.to_string())?;
        t.render(&self.scope(body, error))
            .map_err(|e| e.to_string())
    }

    /// The value of a parameter-mapping expression: `'literal'`,
    /// `method.request.header|querystring|path.<name>`, `stageVariables.<name>`,
    /// `context.<a.b>`.
    pub fn source(&self, expr: &str) -> Option<String> {
        let expr = expr.trim();
        if let Some(lit) = expr.strip_prefix('\'').and_then(|e| e.strip_suffix('\'')) {
            return Some(lit.to_string());
        }
        if let Some(name) = expr.strip_prefix("method.request.header.") {
            return self.header(name).map(str::to_string);
        }
        if let Some(name) = expr.strip_prefix("method.request.multivalueheader.") {
            let all: Vec<&str> = self
                .headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
                .collect();
            return (!all.is_empty()).then(|| all.join(","));
        }
        if let Some(name) = expr.strip_prefix("method.request.querystring.") {
            return self.query_param(name).map(str::to_string);
        }
        if let Some(name) = expr.strip_prefix("method.request.multivaluequerystring.") {
            let all: Vec<&str> = self
                .query
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .collect();
            return (!all.is_empty()).then(|| all.join(","));
        }
        if let Some(name) = expr.strip_prefix("method.request.path.") {
            return self.path_params.get(name).cloned();
        }
        if let Some(name) = expr.strip_prefix("stageVariables.") {
            return self.stage_variables.get(name).cloned();
        }
        if let Some(path) = expr.strip_prefix("context.") {
            let mut node = &self.context;
            for part in path.split('.') {
                node = node.get(part)?;
            }
            return Some(match node {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_and_sources() {
        assert_eq!(title_case("x-amz-invocation-type"), "X-Amz-Invocation-Type");
        assert_eq!(title_case("accept"), "Accept");
        let req = HttpRequest::default();
        let call = Call {
            req: &req,
            headers: vec![("Accept".into(), "*/*".into())],
            query: decoded_query("a=1&b=x+y&a=2"),
            path_params: BTreeMap::from([("id".into(), "7".into())]),
            stage_variables: BTreeMap::from([("env".into(), "dev".into())]),
            context: serde_json::json!({"requestId": "r1", "identity": {"sourceIp": "1.2.3.4"}}),
        };
        assert_eq!(call.source("'Event'").as_deref(), Some("Event"));
        assert_eq!(
            call.source("method.request.header.accept").as_deref(),
            Some("*/*")
        );
        assert_eq!(
            call.source("method.request.querystring.a").as_deref(),
            Some("2")
        );
        assert_eq!(
            call.source("method.request.querystring.b").as_deref(),
            Some("x y")
        );
        assert_eq!(
            call.source("method.request.multivaluequerystring.a")
                .as_deref(),
            Some("1,2")
        );
        assert_eq!(call.source("method.request.path.id").as_deref(), Some("7"));
        assert_eq!(call.source("stageVariables.env").as_deref(), Some("dev"));
        assert_eq!(
            call.source("context.identity.sourceIp").as_deref(),
            Some("1.2.3.4")
        );
        assert_eq!(call.source("method.request.header.nope"), None);
    }
}
