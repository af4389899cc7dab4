//! What nimbus's HTTP front doors share: function URLs today, and API Gateway and ALB as they
//! land.
//!
//! A front door is reached by plain HTTP, not by an AWS API: the edge (`nimbus-server`) hands it
//! the request as an [`HttpRequest`] when [`FrontDoor::claims`] the request's host or path, and
//! sends back the [`HttpResponse`] it answers. Between the two, the front door builds the event
//! its integration expects ([`v2`] for function URLs and HTTP APIs, [`v1`] for REST APIs and
//! HTTP APIs on payload 1.0), invokes the function, and
//! applies the response rules of that event format.

pub mod cors;
pub mod names;
pub mod v1;
pub mod v2;

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
pub use names::Names;
use nimbus_core::body::BodyStream;

/// An HTTP request as a front door sees it.
#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    pub method: String,
    /// The path as sent, still percent-encoded.
    pub path: String,
    /// The query string as sent, without `?`.
    pub query: String,
    /// Header names lower-cased, in the order received, duplicates kept.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub source_ip: String,
    /// `HTTP/1.1` and the like.
    pub protocol: String,
}

impl HttpRequest {
    /// The first value of a header (`name` lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The Host header without its port.
    pub fn host(&self) -> &str {
        without_port(self.header("host").unwrap_or_default())
    }
}

/// `host:port` → `host`.
pub fn without_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

/// The base URL of a front door's host name on nimbus's own port: `endpoint_url` is nimbus's
/// address (`http://127.0.0.1:4566`), `host` a `*.localhost` name, which needs no DNS.
pub fn local_url(endpoint_url: &str, host: &str) -> String {
    let (scheme, rest) = endpoint_url
        .split_once("://")
        .unwrap_or(("http", endpoint_url));
    let port = rest
        .trim_end_matches('/')
        .rsplit_once(':')
        .map(|(_, p)| p)
        .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or("4566");
    format!("{scheme}://{host}:{port}")
}

/// An HTTP response from a front door.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    /// Names as the function or the front door wrote them; repeated names are sent repeatedly.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// The rest of the body, sent after `body` as it is written (a function URL in
    /// RESPONSE_STREAM mode).
    pub stream: Option<BodyStream>,
}

impl HttpResponse {
    pub fn new(status: u16, content_type: &str, body: impl Into<Bytes>) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            stream: None,
        }
    }

    /// `{"message": ...}` — how API Gateway and function URLs word their own errors.
    pub fn message(status: u16, message: &str) -> HttpResponse {
        let body = serde_json::json!({ "message": message }).to_string();
        HttpResponse::new(status, "application/json", body)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The headers a front door adds on its way to the function, as AWS's do: X-Forwarded-For
/// (the client's address appended), -Proto, -Port, and an X-Amzn-Trace-Id when there is none.
pub fn forwarding_headers(req: &HttpRequest) -> Vec<(String, String)> {
    let forwarded_for = match req.header("x-forwarded-for") {
        Some(earlier) => format!("{earlier}, {}", req.source_ip),
        None => req.source_ip.clone(),
    };
    let port = req
        .header("host")
        .and_then(|h| h.rsplit_once(':'))
        .map(|(_, p)| p)
        .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or("80")
        .to_string();
    let mut out = vec![
        ("x-forwarded-for".to_string(), forwarded_for),
        ("x-forwarded-port".to_string(), port),
        ("x-forwarded-proto".to_string(), "http".to_string()),
    ];
    if req.header("x-amzn-trace-id").is_none() {
        let epoch = nimbus_core::time::now_millis() / 1000;
        let trace = format!("Root=1-{epoch:08x}-{}", nimbus_core::ids::hex(24));
        out.push(("x-amzn-trace-id".to_string(), trace));
    }
    out
}

/// `<prefix><id>/rest` → (id, `/rest`, at least `/`): nimbus's path forms of front doors
/// (`/_aws/lambda-url/<url-id>/...`, `/_aws/execute-api/<api-id>/...`).
pub fn split_prefixed<'a>(path: &'a str, prefix: &str) -> Option<(&'a str, &'a str)> {
    let rest = path.strip_prefix(prefix)?;
    Some(match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    })
}

/// `*` and `?` wildcards, as IAM policies and load balancer rules write them.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A front door: claims the requests addressed to it, and answers them.
pub trait FrontDoor: Send + Sync {
    /// Whether `host` (without port) or `path` addresses this front door. Cheap: the edge asks
    /// every front door about every request that is not an AWS API call.
    fn claims(&self, host: &str, path: &str) -> bool;

    fn handle(&self, request: HttpRequest) -> BoxFuture<'_, HttpResponse>;
}

/// Whether a body of this content type travels as text in an event (otherwise base64, with
/// `isBase64Encoded: true`). A missing content type counts as text when the body is UTF-8.
pub fn is_text(content_type: Option<&str>, body: &[u8]) -> bool {
    let Some(ct) = content_type else {
        return std::str::from_utf8(body).is_ok();
    };
    let ct = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let textual = ct.starts_with("text/")
        || matches!(
            ct.as_str(),
            "application/json"
                | "application/javascript"
                | "application/xml"
                | "application/graphql"
        )
        || ct.ends_with("+json")
        || ct.ends_with("+xml");
    textual && std::str::from_utf8(body).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_drops_the_port_only() {
        let mut r = HttpRequest::default();
        r.headers.push((
            "host".into(),
            "abc.lambda-url.us-east-1.localhost:4566".into(),
        ));
        assert_eq!(r.host(), "abc.lambda-url.us-east-1.localhost");
        r.headers[0].1 = "[::1]".into();
        assert_eq!(r.host(), "[::1]");
        assert_eq!(
            local_url("http://127.0.0.1:4599", "a.localhost"),
            "http://a.localhost:4599"
        );
        assert_eq!(
            local_url("http://localhost/", "a.localhost"),
            "http://a.localhost:4566"
        );
    }

    #[test]
    fn text_and_binary_bodies() {
        assert!(is_text(Some("application/json; charset=utf-8"), b"{}"));
        assert!(is_text(Some("text/plain"), b"hi"));
        assert!(is_text(Some("application/vnd.api+json"), b"{}"));
        assert!(!is_text(Some("application/octet-stream"), b"hi"));
        assert!(!is_text(Some("application/x-www-form-urlencoded"), b"a=1"));
        assert!(!is_text(Some("text/plain"), &[0xff, 0xfe]));
        assert!(is_text(None, b"plain"));
        assert!(!is_text(None, &[0xff]));
    }
}
