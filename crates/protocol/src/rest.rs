//! The restJson1 protocol: operations addressed by method and URI template, inputs bound from
//! the path, query string, headers and a JSON (or raw payload) body, outputs bound back to the
//! status code, headers and body. The generated code of each REST service supplies the route
//! table and the per-shape bindings; this module holds what they share.

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;

use bytes::Bytes;

use crate::AwsError;

/// A boxed future, as object-safe service traits return them.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One segment of a URI template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    Literal(&'static str),
    /// `{Name}`: exactly one path segment.
    Label(&'static str),
    /// `{Name+}`: the rest of the path, slashes included.
    Greedy(&'static str),
}

/// An operation's place in the URI space, from the model's `http` trait.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    pub segments: &'static [Segment],
    /// Literal query parameters the template requires (`?find=LayerVersion`).
    pub query: &'static [(&'static str, &'static str)],
    pub operation: &'static str,
}

/// What a path names among a service's routes.
#[derive(Debug, PartialEq, Eq)]
pub enum RouteMatch {
    Found {
        operation: &'static str,
        labels: Vec<(&'static str, String)>,
    },
    /// The path is the service's but not with this method.
    MethodNotAllowed,
    NotFound,
}

/// Finds the route for `method` and `path` (still percent-encoded). Routes that require query
/// literals win over those that do not, so `GET /layers?find=LayerVersion` is not `ListLayers`.
pub fn match_route(
    routes: &'static [Route],
    method: &str,
    path: &str,
    query: &[(String, String)],
) -> RouteMatch {
    let raw: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
    let mut path_matched = false;
    let mut best: Option<(&Route, Vec<(&'static str, String)>)> = None;
    for route in routes {
        let Some(labels) = match_segments(route.segments, &raw) else {
            continue;
        };
        if !route
            .query
            .iter()
            .all(|(k, v)| query.iter().any(|(qk, qv)| qk == k && qv == v))
        {
            continue;
        }
        path_matched = true;
        if !route.method.eq_ignore_ascii_case(method) {
            continue;
        }
        let better = match &best {
            None => true,
            Some((b, _)) => route.query.len() > b.query.len(),
        };
        if better {
            best = Some((route, labels));
        }
    }
    match best {
        Some((route, labels)) => RouteMatch::Found {
            operation: route.operation,
            labels,
        },
        None if path_matched => RouteMatch::MethodNotAllowed,
        None => RouteMatch::NotFound,
    }
}

fn match_segments(template: &[Segment], raw: &[&str]) -> Option<Vec<(&'static str, String)>> {
    let mut labels = Vec::new();
    for (i, seg) in template.iter().enumerate() {
        match seg {
            Segment::Literal(lit) => {
                if raw.get(i) != Some(lit) {
                    return None;
                }
            }
            Segment::Label(name) => {
                let value = percent_decode(raw.get(i).filter(|s| !s.is_empty())?)?;
                labels.push((*name, value));
            }
            Segment::Greedy(name) => {
                // The rest of the path as it is, empty segments and a trailing slash included
                // (an S3 key may be `a//b/`).
                let rest = raw.get(i..)?.join("/");
                if rest.is_empty() {
                    return None;
                }
                labels.push((*name, percent_decode(&rest)?));
                return Some(labels);
            }
        }
    }
    // One trailing slash is tolerated (`/functions/`).
    let exact = raw.len() == template.len();
    let trailing_slash = raw.len() == template.len() + 1 && raw.last() == Some(&"");
    (exact || trailing_slash).then_some(labels)
}

/// Decodes `%XX` escapes (not `+`: in a path it is a plus sign).
pub fn percent_decode(s: &str) -> Option<String> {
    decode(s, false)
}

/// Parses a query string into decoded pairs (`+` is a space there).
pub fn parse_query(query: Option<&str>) -> Vec<(String, String)> {
    let Some(query) = query else {
        return Vec::new();
    };
    query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            Some((decode(k, true)?, decode(v, true)?))
        })
        .collect()
}

fn decode(s: &str, plus_is_space: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// A REST request as the generated bindings read it.
#[derive(Debug, Clone, Default)]
pub struct RestRequest {
    pub labels: Vec<(&'static str, String)>,
    pub query: Vec<(String, String)>,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl RestRequest {
    pub fn label(&self, name: &str) -> String {
        self.labels
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    pub fn query_str(&self, name: &str) -> Option<String> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    pub fn query_all(&self, name: &str) -> Option<Vec<String>> {
        let all: Vec<String> = self
            .query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect();
        (!all.is_empty()).then_some(all)
    }

    pub fn header_str(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// The JSON body, with an empty body read as `{}` (clients send none when every member
    /// is bound elsewhere).
    pub fn json_body(&self) -> &[u8] {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &self.body
        }
    }
}

/// Parses a bound (non-body) value of a typed member.
pub fn parse_bound<T: FromStr>(value: Option<String>, member: &str) -> Result<Option<T>, AwsError> {
    match value {
        None => Ok(None),
        Some(text) => text.trim().parse().map(Some).map_err(|_| {
            AwsError::serialization(format!("Cannot parse '{text}' as the value of {member}"))
        }),
    }
}

/// A REST response as the generated bindings produce it.
#[derive(Debug)]
pub struct RestResponse {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub content_type: &'static str,
    pub body: Bytes,
    /// An event-stream output's messages, sent after `body` as they are written.
    pub stream: Option<nimbus_core::body::BodyStream>,
}

impl RestResponse {
    pub fn new(status: u16, body: impl Into<Bytes>) -> RestResponse {
        RestResponse {
            status,
            headers: Vec::new(),
            content_type: "application/json",
            body: body.into(),
            stream: None,
        }
    }

    pub fn header(&mut self, name: &'static str, value: Option<String>) {
        if let Some(v) = value {
            self.headers.push((name, v));
        }
    }
}

/// The body of an error in restJson1 (the code travels in `x-amzn-ErrorType`): Lambda and the
/// API Gateway services write `{"Type": "User", "Message": "..."}`.
pub fn error_body(err: &AwsError) -> Vec<u8> {
    let mut body = serde_json::Map::with_capacity(err.extra.len() + 2);
    let kind = if err.status >= 500 { "Service" } else { "User" };
    body.insert("Type".into(), serde_json::Value::String(kind.into()));
    body.insert(
        err.message_key.into(),
        serde_json::Value::String(err.message.clone()),
    );
    for (k, v) in &err.extra {
        body.insert(k.clone(), v.clone());
    }
    serde_json::to_vec(&serde_json::Value::Object(body)).unwrap_or_default()
}

/// A service speaking restJson1. The server finds the operation in `routes()` and hands the
/// bound request to `handle`, which may wait (a Lambda invocation runs for up to 15 minutes), so
/// it is a future rather than an inline call.
pub trait RestService: Send + Sync + 'static {
    fn spec(&self) -> &crate::ServiceSpec;
    fn routes(&self) -> &'static [Route];
    fn handle<'a>(
        &'a self,
        ctx: &'a nimbus_core::RequestContext,
        operation: &'static str,
        request: RestRequest,
    ) -> BoxFuture<'a, Result<RestResponse, AwsError>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    static ROUTES: &[Route] = &[
        Route {
            method: "GET",
            segments: &[Segment::Literal("layers")],
            query: &[],
            operation: "ListLayers",
        },
        Route {
            method: "GET",
            segments: &[Segment::Literal("layers")],
            query: &[("find", "LayerVersion")],
            operation: "GetLayerVersionByArn",
        },
        Route {
            method: "POST",
            segments: &[
                Segment::Literal("functions"),
                Segment::Label("FunctionName"),
                Segment::Literal("invocations"),
            ],
            query: &[],
            operation: "Invoke",
        },
        Route {
            method: "GET",
            segments: &[Segment::Literal("objects"), Segment::Greedy("Key")],
            query: &[],
            operation: "GetObject",
        },
    ];

    #[test]
    fn labels_are_decoded_and_query_literals_win() {
        let q = parse_query(Some("find=LayerVersion&Arn=arn%3Ax"));
        assert_eq!(
            match_route(ROUTES, "GET", "/layers", &q),
            RouteMatch::Found {
                operation: "GetLayerVersionByArn",
                labels: vec![]
            }
        );
        assert_eq!(
            match_route(ROUTES, "GET", "/layers", &[]),
            RouteMatch::Found {
                operation: "ListLayers",
                labels: vec![]
            }
        );
        assert_eq!(
            match_route(ROUTES, "POST", "/functions/arn%3Aaws%3Af/invocations", &[]),
            RouteMatch::Found {
                operation: "Invoke",
                labels: vec![("FunctionName", "arn:aws:f".into())]
            }
        );
        assert_eq!(
            match_route(ROUTES, "GET", "/objects/a/b%20c", &[]),
            RouteMatch::Found {
                operation: "GetObject",
                labels: vec![("Key", "a/b c".into())]
            }
        );
        assert_eq!(
            match_route(ROUTES, "DELETE", "/layers", &[]),
            RouteMatch::MethodNotAllowed
        );
        assert_eq!(
            match_route(ROUTES, "GET", "/nothing", &[]),
            RouteMatch::NotFound
        );
        assert_eq!(
            parse_query(Some("a=1+2&b")),
            vec![
                ("a".to_string(), "1 2".to_string()),
                ("b".to_string(), String::new())
            ]
        );
    }
}
