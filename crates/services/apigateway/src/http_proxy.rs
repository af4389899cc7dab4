//! HTTP_PROXY integrations: the request passed on to the integration's URI (path parameters
//! put in, the query string appended), and the upstream's response passed back as it came.
//! Plain `http://` only: nimbus has no TLS client.

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use nimbus_frontdoor::{forwarding_headers, HttpRequest, HttpResponse};
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
    timeout: Duration,
) -> Result<HttpResponse, Failure> {
    let failed = |why: &str| {
        tracing::warn!(%uri, "an HTTP integration failed: {why}");
        Err(Failure::Unreachable)
    };
    let target = fill(uri, parameters);
    let Some(rest) = target.strip_prefix("http://") else {
        return failed("only http:// URIs can be reached (nimbus has no TLS client)");
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut path_and_query = path.to_string();
    if !req.query.is_empty() {
        path_and_query.push(if path.contains('?') { '&' } else { '?' });
        path_and_query.push_str(&req.query);
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().unwrap_or(80)),
        None => (authority, 80),
    };
    let method = if method.eq_ignore_ascii_case("ANY") {
        req.method.as_str()
    } else {
        method
    };
    let mut builder = hyper::Request::builder()
        .method(method)
        .uri(path_and_query.as_str())
        .header(http::header::HOST, authority);
    let forwarding = forwarding_headers(req);
    for (name, value) in req.headers.iter().chain(forwarding.iter()) {
        if name == "host" || name == "content-length" || HOP_BY_HOP.contains(&name.as_str()) {
            continue;
        }
        builder = builder.header(name.as_str(), value.as_str());
    }
    let Ok(request) = builder.body(Full::new(req.body.clone())) else {
        return failed("the request cannot be passed on");
    };
    let call = async {
        let stream = tokio::net::TcpStream::connect((host, port)).await?;
        let _ = stream.set_nodelay(true);
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(std::io::Error::other)?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let resp = sender
            .send_request(request)
            .await
            .map_err(std::io::Error::other)?;
        let (parts, body) = resp.into_parts();
        let body = body
            .collect()
            .await
            .map_err(std::io::Error::other)?
            .to_bytes();
        Ok::<_, std::io::Error>((parts, body))
    };
    match tokio::time::timeout(timeout, call).await {
        Err(_) => Err(Failure::TimedOut),
        Ok(Err(e)) => failed(&e.to_string()),
        Ok(Ok((parts, body))) => Ok(HttpResponse {
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
            stream: None,
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
