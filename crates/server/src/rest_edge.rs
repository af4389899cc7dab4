//! The restJson1 edge: a request bound to its operation's route, the service call (which may
//! wait, e.g. a Lambda invocation), and the response or the error in restJson1 form.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use nimbus_core::RequestContext;
use nimbus_protocol::rest::{self, RestRequest, RestService};
use nimbus_protocol::AwsError;

use crate::body::Body;

pub(crate) async fn call(
    service: &dyn RestService,
    ctx: &RequestContext,
    operation: &'static str,
    request: RestRequest,
) -> Response<Body> {
    match service.handle(ctx, operation, request).await {
        Ok(out) => {
            let mut resp = Response::new(Body::new(out.body, out.stream));
            *resp.status_mut() = StatusCode::from_u16(out.status).unwrap_or(StatusCode::OK);
            let headers = resp.headers_mut();
            headers.insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static(out.content_type),
            );
            for (name, value) in out.headers {
                if let Ok(v) = HeaderValue::from_str(&value) {
                    headers.insert(name, v);
                }
            }
            request_id(&mut resp, ctx);
            resp
        }
        Err(err) => error(service, ctx, &err),
    }
}

pub(crate) fn error(
    service: &dyn RestService,
    ctx: &RequestContext,
    err: &AwsError,
) -> Response<Body> {
    crate::log_error(service.spec().name, err);
    let mut resp = Response::new(Body::full(Bytes::from(rest::error_body(err))));
    *resp.status_mut() = StatusCode::from_u16(err.status).unwrap_or(StatusCode::BAD_REQUEST);
    let headers = resp.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(&err.code) {
        headers.insert("x-amzn-errortype", v);
    }
    request_id(&mut resp, ctx);
    resp
}

fn request_id(resp: &mut Response<Body>, ctx: &RequestContext) {
    if let Ok(id) = HeaderValue::from_str(&ctx.request_id) {
        resp.headers_mut().insert("x-amzn-requestid", id);
    }
}
