//! The awsQuery edge: the form (URL query string and body) decoded, its `Action` called, and
//! the XML response or error document written.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use nimbus_core::RequestContext;
use nimbus_protocol::query::{self, Params, QueryService};
use nimbus_protocol::AwsError;

use crate::body::Body;

/// Calls the `Action` of a query request inline, as JSON services are called (see
/// `json_edge::call` for why).
pub(crate) fn call(
    service: &dyn QueryService,
    ctx: &RequestContext,
    url_query: Option<&str>,
    body: &[u8],
) -> Response<Body> {
    // botocore posts the form; a GET carries it in the URL. Both may appear, the body winning.
    let mut params = Params::default();
    if let Some(q) = url_query {
        params.extend(q);
    }
    params.extend(&String::from_utf8_lossy(body));
    let Some(action) = params
        .get("Action")
        .and_then(Params::value)
        .map(str::to_string)
    else {
        return error(service, ctx, &query::missing_action());
    };
    match service.handle(ctx, &action, &params) {
        Ok(xml) => respond(ctx, StatusCode::OK, xml),
        Err(err) => error(service, ctx, &err),
    }
}

pub(crate) fn error(
    service: &dyn QueryService,
    ctx: &RequestContext,
    err: &AwsError,
) -> Response<Body> {
    crate::log_error(service.spec().name, err);
    let status = StatusCode::from_u16(err.status).unwrap_or(StatusCode::BAD_REQUEST);
    let body = query::error_body(err, service.xml_namespace(), &ctx.request_id);
    respond(ctx, status, body)
}

fn respond(ctx: &RequestContext, status: StatusCode, body: Vec<u8>) -> Response<Body> {
    let mut resp = Response::new(Body::full(Bytes::from(body)));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(nimbus_protocol::Protocol::AwsQuery.content_type()),
    );
    if let Ok(id) = HeaderValue::from_str(&ctx.request_id) {
        headers.insert("x-amzn-requestid", id);
    }
    resp
}
