//! HTTP_PROXY integrations: the request passed on to the integration's URI (path parameters
//! put in, the query string appended), and the upstream's response passed back as it came,
//! over HTTP or HTTPS (`nimbus-http-client`).

use bytes::Bytes;
use nimbus_frontdoor::{forwarding_headers, HttpRequest, HttpResponse};
pub use nimbus_http_client::Options;
use nimbus_http_client::Url;
use serde_json::{Map, Value};

/// Headers that belong to one connection, not to the request or response.
const HOP_BY_HOP: [&str; 7] = [
    "connection",
    "keep-alive",
    "transfer-encoding",
    "upgrade",
    "proxy-connection",
    "te",
    "trailer",
];

/// `uri` with `{name}` and `{name+}` replaced by the route's path parameters.
fn fill(uri: &str, parameters: &Map<String, Value>) -> String {
    let mut out = uri.to_string();
    for (name, value) in parameters {
        let value = value.as_str().unwrap_or_default();
        out = out
            .replace(&format!("{{{name}+}}"), value)
            .replace(&format!("{{{name}}}"), value);
    }
    out
}

/// Why the upstream gave no response; each front door words it its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    Unreachable,
    TimedOut,
}

pub async fn forward(
    uri: &str,
    method: &str,
    req: &HttpRequest,
    parameters: &Map<String, Value>,
    options: &Options,
) -> Result<HttpResponse, Failure> {
    call(uri, method, req, parameters, options, false).await
}

/// [`forward`] for responseTransferMode STREAM: the response answers once its head has arrived,
/// and its body follows as the upstream sends it.
pub async fn forward_streamed(
    uri: &str,
    method: &str,
    req: &HttpRequest,
    parameters: &Map<String, Value>,
    options: &Options,
) -> Result<HttpResponse, Failure> {
    call(uri, method, req, parameters, options, true).await
}

async fn call(
    uri: &str,
    method: &str,
    req: &HttpRequest,
    parameters: &Map<String, Value>,
    options: &Options,
    streamed: bool,
) -> Result<HttpResponse, Failure> {
    let failed = |why: &dyn std::fmt::Display| {
        tracing::warn!(%uri, "an HTTP integration failed: {why}");
        Err(Failure::Unreachable)
    };
    let mut url = match Url::parse(&fill(uri, parameters)) {
        Ok(url) => url,
        Err(e) => return failed(&e),
    };
    url.append_query(&req.query);
    let method = if method.eq_ignore_ascii_case("ANY") {
        req.method.as_str()
    } else {
        method
    };
    let forwarding = forwarding_headers(req);
    let headers = req
        .headers
        .iter()
        .chain(forwarding.iter())
        .filter(|(name, _)| {
            name != "host" && name != "content-length" && !HOP_BY_HOP.contains(&name.as_str())
        })
        .map(|(k, v)| (k.as_str(), v.as_str()));
    let body = req.body.clone();
    let answered = if streamed {
        nimbus_http_client::open(method, &url, headers, body, options)
            .await
            .map(|r| {
                let (parts, stream) = r.into_parts();
                (parts, Bytes::new(), Some(stream))
            })
    } else {
        nimbus_http_client::send(method, &url, headers, body, options)
            .await
            .map(|r| {
                let (parts, body) = r.into_parts();
                (parts, body, None)
            })
    };
    match answered {
        Err(nimbus_http_client::Error::TimedOut) => Err(Failure::TimedOut),
        Err(e) => failed(&e),
        Ok((parts, body, stream)) => Ok(HttpResponse {
            status: parts.status.as_u16(),
            headers: parts
                .headers
                .iter()
                .filter(|(k, _)| {
                    !HOP_BY_HOP.contains(&k.as_str()) && k.as_str() != "content-length"
                })
                .map(|(k, v)| {
                    (
                        k.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body,
            stream,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_fill_the_uri() {
        let mut p = Map::new();
        p.insert("proxy".into(), Value::String("a/b".into()));
        p.insert("id".into(), Value::String("7".into()));
        assert_eq!(fill("http://h/x/{proxy}", &p), "http://h/x/a/b");
        assert_eq!(fill("http://h/{id}/{proxy+}", &p), "http://h/7/a/b");
    }
}
