//! Plain HTTP requests to a front door (function URLs, API Gateway, ...): the request handed
//! over as an `HttpRequest`, the `HttpResponse` written back.

use std::net::SocketAddr;

use http::request::Parts;
use http::{HeaderName, HeaderValue, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use nimbus_frontdoor::{FrontDoor, HttpRequest, HttpResponse};

use crate::body::Body;
use crate::ServerConfig;

pub(crate) async fn call(
    door: &dyn FrontDoor,
    parts: Parts,
    body: Incoming,
    peer: SocketAddr,
    config: &ServerConfig,
) -> Response<Body> {
    let body = match Limited::new(body, config.max_rest_body_bytes)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return write(HttpResponse::message(413, "Request Entity Too Large")),
    };
    let headers = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let request = HttpRequest {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or_default().to_string(),
        headers,
        body,
        source_ip: peer.ip().to_string(),
        protocol: format!("{:?}", parts.version),
    };
    write(door.handle(request).await)
}

/// The response as hyper sends it; a header a function wrote that HTTP cannot carry is dropped.
fn write(r: HttpResponse) -> Response<Body> {
    let mut resp = Response::new(Body::new(r.body, r.stream));
    *resp.status_mut() = StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_GATEWAY);
    for (name, value) in r.headers {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            (Ok(n), Ok(v)) => {
                resp.headers_mut().append(n, v);
            }
            _ => tracing::debug!(%name, "dropping a response header HTTP cannot carry"),
        }
    }
    resp
}
